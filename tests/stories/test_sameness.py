"""The policy's rules one by one, on evidence built by hand, and the clues it reads."""

from __future__ import annotations

from datetime import timedelta

import pytest

from alerts.stories.clues import Clues, clues, labelled_update, shared_names
from alerts.stories.facts import Facts
from alerts.stories.sameness import Evidence, Policy

POLICY = Policy()
PLAIN = clues("")
LONG = (400, 420)
SHORT = (60, 70)


def evidence(
    jaccard: float,
    *,
    minutes: float = 10,
    sizes: tuple[int, int] = LONG,
    earlier: Clues = PLAIN,
    later: Clues = PLAIN,
    same_source: bool = False,
) -> Evidence:
    return Evidence(
        jaccard=jaccard,
        sizes=sizes,
        apart=timedelta(minutes=minutes),
        clues=(earlier, later),
        same_source=same_source,
    )


def test_near_copies_close_in_time_are_one_event() -> None:
    assert POLICY.same_event(evidence(0.9))
    assert POLICY.same_event(evidence(POLICY.threshold))
    assert not POLICY.same_event(evidence(POLICY.threshold - 0.01))


def test_short_posts_need_a_higher_bar() -> None:
    assert not POLICY.same_event(evidence(0.55, sizes=SHORT))
    assert POLICY.same_event(evidence(0.65, sizes=SHORT))


def test_a_quote_contained_in_a_longer_article_is_one_event() -> None:
    # 200 shingles wholly inside 600: Jaccard 1/3, containment 1.
    quoted = evidence(1 / 3, sizes=(200, 600))
    assert quoted.containment == pytest.approx(1.0)
    assert POLICY.same_event(quoted)
    # Containment counts close in time only, and not for one-liners.
    assert not POLICY.same_event(evidence(1 / 3, sizes=(200, 600), minutes=5 * 60))
    assert not POLICY.same_event(evidence(0.5, sizes=(40, 60)))


def test_a_rewrite_sharing_names_is_one_event() -> None:
    gov = clues("В Шебекино FPV-дрон атаковал автомобиль на улице Октябрьской.")
    site = clues("Дрон атаковал машину на улице Октябрьской в Шебекино, сообщил Гладков.")
    assert shared_names(gov, site) == 2
    assert POLICY.same_event(evidence(0.25, earlier=gov, later=site))
    assert not POLICY.same_event(evidence(0.25))  # the same wording without shared names


def test_an_update_joins_the_report_it_updates() -> None:
    report = clues("Белгород подвергся ракетному обстрелу. Пострадали два человека.")
    update = clues("Число пострадавших при ударе по Белгороду возросло до пяти.")
    assert update.update
    assert POLICY.same_event(evidence(0.1, minutes=4 * 60, earlier=report, later=update))
    # The update must come later, and within the update window.
    assert not POLICY.same_event(evidence(0.1, earlier=update, later=report))
    assert not POLICY.same_event(evidence(0.1, minutes=7 * 60, earlier=report, later=update))


def test_an_update_about_another_place_does_not_join() -> None:
    report = clues("В Грайвороне FPV-дрон атаковал автобус.")
    update = clues("Число пострадавших при ударе по Белгороду возросло до пяти.")
    assert not POLICY.same_event(evidence(0.1, earlier=report, later=update))


def test_the_bar_rises_with_time() -> None:
    assert POLICY.same_event(evidence(0.5, minutes=60))
    assert not POLICY.same_event(evidence(0.5, minutes=8 * 60))
    assert POLICY.same_event(evidence(0.85, minutes=8 * 60))
    assert not POLICY.same_event(evidence(0.85, minutes=24 * 60))
    assert POLICY.same_event(evidence(0.95, minutes=24 * 60))


def test_a_source_repeating_itself_minutes_later_is_another_event() -> None:
    # Regression: a channel's second air-raid warning of the morning joined the first.
    assert not POLICY.same_event(evidence(1.0, minutes=2, same_source=True))
    assert not POLICY.same_event(evidence(1.0, minutes=5 * 60, same_source=True))


def test_a_source_announcing_an_update_of_its_post_is_the_same_event() -> None:
    first = clues("В Рыльске беспилотник атаковал автомобиль, пострадали двое.")
    update = clues("Уточнение: пострадавших в Рыльске трое.")
    joined = Evidence(0.2, (400, 300), timedelta(minutes=90), (first, update), same_source=True)
    assert POLICY.same_event(joined)
    plain = clues("В Рыльске беспилотник атаковал грузовик, водитель не пострадал.")
    apart = Evidence(0.5, (400, 300), timedelta(minutes=90), (first, plain), same_source=True)
    assert not POLICY.same_event(apart)


def test_short_alerts_repeated_hours_later_are_other_events() -> None:
    assert POLICY.same_event(evidence(1.0, sizes=SHORT, minutes=20))
    assert not POLICY.same_event(evidence(1.0, sizes=SHORT, minutes=2 * 60))


def test_numbers_that_disagree_later_mean_another_event() -> None:
    first = clues("Поранено 62-річного чоловіка.")
    second = clues("Поранено 47-річну жінку.")
    assert not evidence(1.0, earlier=first, later=second).numbers_agree
    # Within the close window a changed number is an updated count.
    assert POLICY.same_event(evidence(0.9, earlier=first, later=second))
    assert not POLICY.same_event(evidence(0.95, minutes=20 * 60, earlier=first, later=second))


def test_numbers_agree_when_most_of_the_smaller_set_is_shared() -> None:
    dated = clues("КУРСК, 10 марта. Пострадали 2 человека.")
    plain = clues("Пострадали 2 человека, ещё 3 эвакуированы.")
    assert evidence(0.5, earlier=dated, later=plain).numbers_agree
    assert evidence(0.5, earlier=PLAIN, later=plain).numbers_agree


def test_a_template_filled_with_other_names_is_another_event() -> None:
    vnukovo = clues("Аэропорт Внуково: введены временные ограничения.")
    domodedovo = clues("Аэропорт Домодедово: введены временные ограничения.")
    assert POLICY.margin(evidence(0.88, earlier=vnukovo, later=domodedovo)) is None


def test_margin_orders_candidates() -> None:
    near = POLICY.margin(evidence(0.9, minutes=5))
    far = POLICY.margin(evidence(0.95, minutes=20 * 60))
    assert near is not None
    assert far is not None
    assert near > far >= 0


def test_floors_bound_every_rule() -> None:
    assert POLICY.retell_floor == POLICY.retell_named
    assert POLICY.retell_close <= min(POLICY.close, POLICY.update_window)
    assert POLICY.floor(update=True) == POLICY.update_floor
    assert POLICY.floor(update=False) == POLICY.rewrite_floor
    assert POLICY.far_floor == POLICY.threshold
    assert POLICY.horizon(update=True) == POLICY.update_window
    assert POLICY.horizon(update=False) == POLICY.close


@pytest.mark.parametrize(
    ("text", "names", "numbers", "update"),
    [
        ("Белгород подвергся обстрелу. Ранены 2 человека в Шебекино.", {"шебек"}, (2,), False),
        (
            "По словам Вячеслава Гладкова, ВСУ атаковали Белгород.",
            {"вячес", "гладк", "белго"},
            (),
            False,
        ),
        ("Число погибших возросло до 7.", set(), (7,), True),
        ("Кількість загиблих у Дніпрі зросла до чотирьох.", {"дніпр"}, (), True),
        ("The death toll in Dnipro rose to 4, Lysak said.", {"dnipr", "lysak"}, (4,), True),
        ("«Ситуация под контролем», — написал Гладков.", {"гладк"}, (), False),
    ],
)
def test_clues(text: str, names: set[str], numbers: tuple[int, ...], update: bool) -> None:
    found = clues(text)
    assert found.names == names
    assert found.numbers == numbers
    assert found.update is update
    slim = found.numbers_only()
    assert (slim.numbers, slim.names, slim.update) == (numbers, frozenset(), False)


@pytest.mark.parametrize(
    "text",
    [
        "Число пострадавших возросло до пяти.",
        "Количество раненых выросло до 3.",
        "Число жертв увеличилось до 12.",
        "Уточнённая информация: ранены двое.",
        "Кількість постраждалих зросла до шести.",
        "Уточнена інформація щодо постраждалих.",
        "Death toll climbs to 11 in Dnipro.",
        "The number of injured has risen to 9.",
        *(
            f"{label}\nВ Белгороде ранены двое."
            for label in ("Уточнение", "Обновлено", "Обновление", "Оновлено", "Оновлення")
        ),
        *(
            f"{label}: В Белгороде ранены двое."
            for label in ("Уточнення", "Доповнено", "Дополнено", "UPD", "Update", "Updated")
        ),
    ],
)
def test_every_update_marker_and_label_is_read(text: str) -> None:
    assert clues(text).update


@pytest.mark.parametrize(
    ("text", "labelled"),
    [
        ("Ранены двое.\n\n— Обновлено: ранены трое.", True),
        ("⚡️UPD\nВ Белгороде ранены трое.", True),
        ("В Белгороде ранены трое.\r\nupdate: четверо", True),
        ("Расписание обновлено в полдень.", False),
        ("В Белгороде ранены трое (update: четверо)", False),
    ],
)
def test_an_update_label_counts_at_the_start_of_a_line_only(text: str, labelled: bool) -> None:
    assert labelled_update(text) is labelled


GOVERNOR = clues(
    "В Шебекино FPV-дрон атаковал легковой автомобиль на улице Октябрьской. Мужчина получил "
    "осколочные ранения головы и руки. Бригадой скорой медицинской помощи он доставлен в "
    "Шебекинскую ЦРБ. Автомобиль поврежден."
)
ONE_LINER = clues("FPV-дрон ВСУ атаковал автомобиль в Шебекино, ранен мужчина — Гладков")


def test_a_retelling_sharing_most_words_is_one_event() -> None:
    shared, fewer = evidence(0.12, earlier=GOVERNOR, later=ONE_LINER).words
    assert shared / fewer >= POLICY.retell
    summary = evidence(0.12, sizes=(300, 60), earlier=GOVERNOR, later=ONE_LINER)
    assert POLICY.same_event(summary)
    # The same words with no clues at all are too little to go on.
    assert not POLICY.same_event(evidence(0.12, sizes=(300, 60)))


def test_a_retelling_counts_only_close_in_time_and_from_another_source() -> None:
    def summary(minutes: float, *, same_source: bool = False) -> Evidence:
        return evidence(
            0.12,
            minutes=minutes,
            sizes=(300, 60),
            earlier=GOVERNOR,
            later=ONE_LINER,
            same_source=same_source,
        )

    assert POLICY.same_event(summary(POLICY.retell_close.total_seconds() / 60))
    assert not POLICY.same_event(summary(90))
    assert not POLICY.same_event(summary(10, same_source=True))


def test_a_retelling_whose_numbers_disagree_is_another_event() -> None:
    first = clues("В Грайвороне дрон атаковал автобус, ранены 3 человека, доставлены в ЦРБ.")
    second = clues("В Грайвороне дрон атаковал автобус, ранены 5 человек, доставлены в ЦРБ.")
    assert not POLICY.same_event(evidence(0.3, sizes=(200, 210), earlier=first, later=second))
    assert POLICY.same_event(evidence(0.3, sizes=(200, 210), earlier=first, later=first))


def test_two_names_in_common_lower_the_retelling_bar() -> None:
    mayor = clues(
        "Харків під атакою ворожих дронів. Зафіксовано влучання в Київському районі міста. "
        "Уточнюємо інформацію щодо наслідків та постраждалих."
    )
    governor = clues(
        "Ворог атакував Харків ударними БпЛА. Зафіксовано влучання у Київському та "
        "Салтівському районах. Попередньо, постраждали троє людей, медики надають їм допомогу. "
        "Пошкоджено багатоповерховий будинок та автомобілі. Інформація уточнюється."
    )
    shared, fewer = evidence(0.18, earlier=mayor, later=governor).words
    assert POLICY.retell_named <= shared / fewer < POLICY.retell
    assert shared_names(mayor, governor) >= POLICY.rewrite_names
    assert POLICY.same_event(evidence(0.18, sizes=(130, 220), earlier=mayor, later=governor))


def test_two_short_posts_retell_each_other_only_word_for_word() -> None:
    alert = clues("Ракетная опасность на территории Курской области. Проследуйте в укрытие.")
    all_clear = clues("Отбой ракетной опасности на территории Курской области.")
    copy = clues("Отбой ракетной опасности в Курской области")
    # The all-clear has every word of its alert but one: it ends the alert, not repeats it.
    assert not POLICY.same_event(evidence(0.3, sizes=(100, 50), earlier=alert, later=all_clear))
    assert POLICY.same_event(evidence(0.5, sizes=(50, 40), earlier=all_clear, later=copy))


def test_two_towns_in_one_template_are_not_a_retelling() -> None:
    kremenchuk = clues(
        "Ворог атакував ударними дронами Кременчук. Пошкоджено промислове підприємство, "
        "виникла пожежа, її гасять рятувальники."
    )
    poltava = clues(
        "Ворог атакував ударними дронами Полтаву. Пошкоджено промислове підприємство, "
        "виникла пожежа, її гасять рятувальники."
    )
    assert shared_names(kremenchuk, poltava) == 0
    shared, fewer = evidence(0.3, earlier=kremenchuk, later=poltava).words
    assert shared / fewer > POLICY.retell  # one word apart: the town
    assert not POLICY.same_event(evidence(0.3, earlier=kremenchuk, later=poltava))


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Дроны атаковали мост", ("атако", "дрон", "мост")),
        ("дронами по мосту", ("дрон", "мост")),
        ("Об'єкт енергетики в Сумах", ("енерг", "об'єк", "сумах")),
        ("Это было 12 марта, ещё до того", ("март",)),
        ("The drones hit Odesa port", ("drone", "hit", "odesa", "port")),
    ],
)
def test_words(text: str, words: tuple[str, ...]) -> None:
    assert clues(text).words == words
    assert clues(text).numbers_only().words == ()


def _report(numbers: tuple[int, ...], *, update: bool = False) -> Clues:
    return Clues(numbers, frozenset(), frozenset(), update=update)


def _facts(numbers: set[int]) -> Facts:
    return Facts(
        places=frozenset({"kursk:rlsk"}),
        regions=frozenset({"kursk"}),
        numbers=frozenset(numbers),
        topics=frozenset({"drones"}),
    )


def _weighed(earlier: Clues, later: Clues, facts: tuple[Facts, Facts]) -> Evidence:
    return Evidence(0.1, LONG, timedelta(minutes=20), (earlier, later), facts=facts)


def test_numbers_that_disagree_part_reports_of_one_place_unless_one_updates() -> None:
    # "2 injured in Rylsk" and "7 injured in Rylsk" twenty minutes apart: two events...
    two, seven = _report((2,)), _report((7,))
    facts = (_facts({2}), _facts({7}))
    assert not POLICY.same_event(_weighed(two, seven, facts))
    # A window skips such a pair before weighing it, and only such a pair.
    assert POLICY.rules_out(0.1, (two, seven), facts)
    assert not POLICY.rules_out(POLICY.floor(update=False), (two, seven), facts)
    # ...unless the later one says it updates the count.
    raised = _report((7,), update=True)
    assert POLICY.same_event(_weighed(two, raised, facts))
    assert not POLICY.rules_out(0.1, (two, raised), facts)


def test_numbers_shared_in_words_still_count_when_the_digits_disagree() -> None:
    # "2 drones, five injured" and "five injured, 3 drones": the digits differ, five is shared.
    first, second = _report((2,)), _report((3,))
    assert POLICY.same_event(_weighed(first, second, (_facts({2, 5}), _facts({3, 5}))))
    assert not POLICY.rules_out(0.1, (first, second), (_facts({2, 5}), _facts({3, 5})))
