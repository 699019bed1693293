"""StoryWindow: one story per event, across reposts, forwards, rewrites and updates;
different events that read alike stay apart; the window forgets what is older."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from alerts.stories.neardup import StoryItem, StoryWindow

DAY = datetime(2025, 3, 10, tzinfo=UTC)
GOV = (
    "В Шебекино FPV-дрон атаковал легковой автомобиль на улице Октябрьской. Мужчина получил "
    "осколочные ранения головы и руки. Бригадой скорой медицинской помощи он доставлен в "
    "Шебекинскую ЦРБ, после оказания помощи будет транспортирован в областную клиническую "
    "больницу. Автомобиль поврежден."
)
NEXT_DAY = (
    "В Шебекино FPV-дрон атаковал легковой автомобиль на улице Ленина. Мужчина получил "
    "осколочные ранения спины и ноги. Бригадой скорой медицинской помощи он доставлен в "
    "Шебекинскую ЦРБ, после оказания помощи будет транспортирован в областную клиническую "
    "больницу. Автомобиль поврежден."
)
MISSILE = (
    "Белгород подвергся ракетному обстрелу со стороны ВСУ. Системой ПВО сбито несколько целей "
    "над городом. Предварительно, пострадали два человека, они доставлены в городскую больницу "
    "№2. Повреждены несколько многоквартирных домов и автомобили. Информацию по последствиям "
    "уточняем."
)
MISSILE_UPDATE = (
    "Уточненная информация по последствиям ракетного удара по Белгороду. Число пострадавших "
    "возросло до пяти человек, среди них ребенок. Все доставлены в городскую больницу №2, "
    "состояние двоих оценивается как тяжелое. Повреждены 6 многоквартирных домов, 11 "
    "автомобилей и здание торгового центра."
)
ALERT = (
    "Внимание! Ракетная опасность на территории Курской области. Находящимся на улице "
    "необходимо проследовать в ближайшее укрытие."
)


def post(
    key: str,
    text: str,
    minutes: float,
    *,
    source: str = "tg:vvgladkov",
    url: str | None = None,
    forwarded_url: str | None = None,
) -> StoryItem:
    at = DAY + timedelta(minutes=minutes)
    return StoryItem(key, source, text, url, at, forwarded_url)


def stories(*items: StoryItem, window: StoryWindow | None = None) -> list[str]:
    window = window if window is not None else StoryWindow()
    return [window.assign(item) for item in items]


def test_reposts_with_prefixes_and_footers_join_the_original() -> None:
    assert stories(
        post("gov", GOV, 0),
        post("a", "⚡️Срочно: " + GOV + "\n\n#Шебекино\n👉Подписаться", 2, source="tg:a"),
        post(
            "b",
            "❗️" + GOV.replace("Автомобиль поврежден.", "") + "\n@belgorod_now",
            3,
            source="tg:b",
        ),
        post("c", "BREAKING:\n" + GOV + "\n— Белгород Сейчас", 9, source="tg:c"),
    ) == ["gov", "gov", "gov", "gov"]


def test_forwards_join_their_original_whether_it_comes_first_or_last() -> None:
    original = post("gov", GOV, 0, url="https://t.me/vvgladkov/5501")
    # Forwarded text can be anything (a photo caption, a comment): the link decides.
    forward = post(
        "fw", "Фото с места", 5, source="tg:a", forwarded_url="https://t.me/s/VVGladkov/5501"
    )
    second = post(
        "fw2", "Видео", 6, source="tg:b", forwarded_url="https://t.me/vvgladkov/5501?single"
    )
    assert stories(original, forward, second) == ["gov", "gov", "gov"]
    late_original = post("gov", GOV, 7, url="https://t.me/vvgladkov/5501")
    assert stories(forward, second, late_original) == ["fw", "fw", "fw"]


def test_a_credited_or_sole_link_ties_a_repost_to_its_original() -> None:
    original = post("gov", GOV, 0, url="https://t.me/vvgladkov/5501")
    credited = post("cr", "Другой текст\nИсточник: https://t.me/vvgladkov/5501", 5, source="tg:a")
    teaser = post(
        "teaser",
        "Читайте на сайте:\nhttps://bel.ru/news/1?utm_source=telegram",
        6,
        source="tg:bel_ru",
    )
    article = post(
        "article", "Статья на сайте", 10, source="rss:bel.ru", url="http://www.bel.ru/news/1/"
    )
    digest = post(
        "digest", "Главное: https://bel.ru/news/1 и https://bel.ru/news/2", 12, source="tg:digest"
    )
    assert stories(original, credited, teaser, article, digest) == [
        "gov",
        "gov",
        "teaser",
        "teaser",
        "digest",
    ]


def test_the_same_canonical_url_is_the_same_story() -> None:
    assert stories(
        post(
            "feed",
            "Беспилотники ВСУ повредили мост через Сейм",
            0,
            url="https://ria.ru/20250310/most-2003456789.html",
            source="rss:ria.ru",
        ),
        post(
            "aggregator",
            "Мост через Сейм поврежден",
            4,
            source="rss:news",
            url="http://m.ria.ru/20250310/most-2003456789.html?utm_source=yxnews#comments",
        ),
    ) == ["feed", "feed"]


def test_a_home_page_link_identifies_nothing() -> None:
    assert stories(
        post("a", "Первая новость о погоде в регионе на завтра", 0, url="https://bel.ru/"),
        post("b", "Вторая новость о ремонте дорог в Белгороде", 5, url="https://bel.ru"),
    ) == ["a", "b"]


def test_a_news_site_quoting_the_post_joins_it() -> None:
    article = (
        "Мост через Сейм в Курской области поврежден в результате атаки дронов ВСУ\n\nКУРСК, 10 "
        "марта. /ТАСС/. Пролет моста через реку Сейм в Глушковском районе Курской области "
        "поврежден в результате атаки беспилотников ВСУ, движение по нему ограничено. Об этом "
        "сообщил губернатор региона. «Утром ВСУ атаковали дронами мост через реку Сейм в "
        "Глушковском районе. В результате попадания поврежден пролет моста, движение транспорта "
        "по нему ограничено. Пострадавших нет», - написал он."
    )
    gov = (
        "Утром ВСУ атаковали дронами мост через реку Сейм в Глушковском районе. В результате "
        "попадания поврежден пролет моста, движение транспорта по нему ограничено. Пострадавших "
        "нет. На месте работают специалисты, организован объезд через Кобылки."
    )
    assert stories(post("gov", gov, 0), post("tass", article, 20, source="rss:tass.ru")) == [
        "gov",
        "gov",
    ]


def test_a_rewrite_naming_the_same_places_joins() -> None:
    rewrite = (
        "В Шебекино дрон ВСУ атаковал машину, ранен мужчина\n\nУкраинский FPV-дрон атаковал "
        "легковой автомобиль на улице Октябрьской в Шебекино. Мужчина получил осколочные ранения "
        "головы и руки, сообщил губернатор Вячеслав Гладков. Его доставили в Шебекинскую ЦРБ."
    )
    assert stories(post("gov", GOV, 0), post("site", rewrite, 25, source="rss:bel.ru")) == [
        "gov",
        "gov",
    ]


def test_updated_casualty_numbers_join_the_story() -> None:
    later = (
        "Число пострадавших в результате ракетного удара по Белгороду возросло до семи человек. "
        "Ещё двое жителей самостоятельно обратились в травмпункт с баротравмами."
    )
    assert stories(
        post("first", MISSILE, 0),
        post("repost", "⚡️СРОЧНО: " + MISSILE, 2, source="tg:belgorod_now"),
        post("update", MISSILE_UPDATE, 35),
        post("update2", later, 195),
    ) == ["first", "first", "first", "first"]


def test_another_event_in_the_same_town_stays_apart() -> None:
    other = (
        "В Белгороде на Михайловском шоссе FPV-дрон атаковал грузовой автомобиль. Пострадавших "
        "нет, машина повреждена."
    )
    assert stories(
        post("missile", MISSILE, 0), post("update", MISSILE_UPDATE, 35), post("fpv", other, 85)
    ) == ["missile", "missile", "fpv"]


def test_two_drone_attacks_on_the_same_town_on_different_days_stay_apart() -> None:
    day_one = [post("gov1", GOV, 0), post("re1", "❗️" + GOV, 3, source="tg:belgorod_now")]
    day_two = [
        post("gov2", NEXT_DAY, 24 * 60 + 17),
        post("re2", "❗️" + NEXT_DAY, 24 * 60 + 20, source="tg:belgorod_now"),
        post("fw2", NEXT_DAY, 24 * 60 + 22, source="tg:shot"),
    ]
    assert stories(*day_one, *day_two) == ["gov1", "gov1", "gov2", "gov2", "gov2"]


def test_a_template_post_repeated_by_its_source_hours_later_is_another_event() -> None:
    assert stories(
        post("morning", ALERT, 0, source="tg:gubernator_46"),
        post("repost", "❗️" + ALERT, 1, source="tg:kursk_online"),
        post("afternoon", ALERT, 6 * 60, source="tg:gubernator_46"),
        post("repost2", "❗️" + ALERT, 6 * 60 + 1, source="tg:kursk_online"),
    ) == ["morning", "morning", "afternoon", "afternoon"]


def test_numbers_tell_daily_templates_apart() -> None:
    template = (
        "Завтра, {day} березня, у більшості регіонів України застосовуватимуться графіки "
        "погодинних відключень електроенергії для побутових споживачів — від 1 до {queues} черг. "
        "Причина — наслідки ворожих атак на енергетичну інфраструктуру."
    )
    assert stories(
        post("mon", template.format(day=13, queues=2), 0, source="tg:ukrenergo"),
        post("tue", template.format(day=14, queues=3), 24 * 60, source="tg:energy_news"),
    ) == ["mon", "tue"]


def test_posts_too_short_never_merge_by_text() -> None:
    assert stories(post("a", "Взрывы!", 0), post("b", "Взрывы!", 1, source="tg:b")) == ["a", "b"]


def test_expire_forgets_the_window_and_its_urls() -> None:
    window = StoryWindow(timedelta(hours=48))
    original = post("gov", GOV, 0, url="https://t.me/vvgladkov/5501")
    assert window.assign(original) == "gov"
    assert len(window) == 1
    window.expire(DAY + timedelta(hours=47))
    assert len(window) == 1
    window.expire(DAY + timedelta(hours=49))
    assert len(window) == 0
    late = post("late", "⚡️" + GOV, 50 * 60, source="tg:a", forwarded_url=original.url)
    assert window.assign(late) == "late"


def test_a_late_item_expires_at_its_own_time_not_after_the_later_ones() -> None:
    window = StoryWindow(timedelta(hours=48))
    window.assign(post("noon", GOV, 12 * 60, source="tg:a"))
    window.assign(post("morning", MISSILE, 2 * 60, source="tg:b"))  # arrives late
    window.assign(post("evening", ALERT, 20 * 60, source="tg:c"))
    window.expire(DAY + timedelta(hours=51))
    assert len(window) == 2  # the late morning post went, and only it
    window.expire(DAY + timedelta(hours=61))
    assert len(window) == 1
    window.expire(DAY + timedelta(hours=69))
    assert len(window) == 0


def test_items_older_than_the_window_are_ignored_even_before_expire() -> None:
    window = StoryWindow(timedelta(hours=1))
    assert stories(
        post("a", GOV, 0, source="tg:a"), post("b", GOV, 90, source="tg:b"), window=window
    ) == ["a", "b"]


def test_a_window_shorter_than_the_recent_horizon_forgets_cleanly() -> None:
    window = StoryWindow(timedelta(minutes=30))
    window.assign(post("a", GOV, 0, source="tg:a"))
    window.expire(DAY + timedelta(minutes=45))
    assert len(window) == 0
    assert window.assign(post("b", GOV, 45, source="tg:b")) == "b"


def test_a_key_assigned_again_keeps_its_first_story() -> None:
    window = StoryWindow()
    assert window.assign(post("gov", GOV, 0)) == "gov"
    assert window.assign(post("other", MISSILE, 5)) == "other"
    edited = post("other", GOV, 6)
    assert window.assign(edited) == "other"
    assert len(window) == 2


def test_stories_are_deterministic() -> None:
    items = [
        post("gov", GOV, 0),
        post("re", "⚡️" + GOV, 2, source="tg:a"),
        post("m", MISSILE, 30),
        post("u", MISSILE_UPDATE, 60),
        post("next", NEXT_DAY, 24 * 60),
    ]
    assert stories(*items) == stories(*items) == ["gov", "gov", "m", "m", "next"]


def test_a_lower_threshold_merges_more() -> None:
    loose = StoryWindow(threshold=0.3)
    strict = StoryWindow(threshold=0.99)
    shared = (
        "над городом работает противовоздушная оборона, жителей просят оставаться в укрытиях "
        "до отбоя тревоги и не публиковать видео работы пво в социальных сетях, "
    )
    first = shared + "школы сегодня работают дистанционно, транспорт ходит по расписанию"
    second = shared + "слышны взрывы на окраине, информация о последствиях уточняется"
    # Past `Policy.retell_close`, where the threshold alone decides.
    pair = (post("a", first, 0), post("b", second, 70, source="tg:other"))
    assert stories(*pair, window=loose) == ["a", "a"]
    assert stories(*pair, window=strict) == ["a", "b"]


def test_fewer_permutations_work_down_to_32() -> None:
    pair = (post("gov", GOV, 0), post("re", "⚡️" + GOV, 2, source="tg:a"))
    assert stories(*pair, window=StoryWindow(num_perm=64)) == ["gov", "gov"]
    with pytest.raises(ValueError, match="num_perm"):
        StoryWindow(num_perm=16)


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware UTC"):
        StoryItem("a", "s", "text", None, datetime(2025, 3, 10))  # noqa: DTZ001


def test_an_agency_one_liner_joins_the_post_it_sums_up() -> None:
    one_liner = "FPV-дрон ВСУ атаковал автомобиль в Шебекино, ранен мужчина — Гладков"
    assert stories(
        post("gov", GOV, 0),
        post("repost", "❗️" + GOV, 2, source="tg:belgorod_now"),
        post("agency", one_liner, 7, source="tg:rian_ru"),
    ) == ["gov", "gov", "gov"]


def test_a_one_liner_joins_the_days_attack_not_the_days_before() -> None:
    one_liner = "FPV-дрон атаковал автомобиль на улице Ленина в Шебекино, ранен мужчина"
    assert stories(
        post("gov1", GOV, 0),
        post("gov2", NEXT_DAY, 24 * 60),
        post("agency", one_liner, 24 * 60 + 10, source="tg:rian_ru"),
    ) == ["gov1", "gov2", "gov2"]


def test_a_short_copy_joins_its_alert_and_the_all_clear_stays_apart() -> None:
    assert stories(
        post("alert", ALERT, 0, source="tg:gubernator_46"),
        post("copy", "❗️Ракетная опасность в Курской области. " + ALERT[34:], 1, source="tg:k"),
        post("off", "Отбой ракетной опасности на территории Курской области.", 29),
        post("off_copy", "✅Отбой ракетной опасности в Курской области", 30, source="tg:k"),
    ) == ["alert", "alert", "off", "off"]


def test_another_attack_on_the_same_town_within_the_hour_stays_apart() -> None:
    bus = (
        "В Грайвороне FPV-дрон ВСУ атаковал рейсовый автобус на въезде в город. Ранены три "
        "человека: водитель и две пассажирки. Все доставлены в Грайворонскую ЦРБ."
    )
    car = (
        "В Грайвороне FPV-дрон атаковал легковой автомобиль на улице Ленина. Ранен мужчина, он "
        "доставлен в Грайворонскую ЦРБ с осколочными ранениями. Автомобиль поврежден."
    )
    assert stories(post("bus", bus, 0), post("car", car, 40, source="tg:belgorod_now")) == [
        "bus",
        "car",
    ]


def test_two_towns_hit_the_same_night_in_one_template_stay_apart() -> None:
    template = (
        "Ворог атакував {town} ударними дронами. Пошкоджено промислове підприємство, виникла "
        "пожежа, її гасять рятувальники. Інформації про постраждалих наразі немає."
    )
    rewrite = "Дрони атакували {town}: пошкоджено промислове підприємство, виникла пожежа"
    assert stories(
        post("k", template.format(town="Кременчук"), 0, source="tg:poltava_ova"),
        post("p", template.format(town="Полтаву"), 20, source="tg:poltava_ova"),
        post("k2", rewrite.format(town="Кременчук"), 25, source="rss:suspilne.media"),
        post("m", template.format(town="Миргород"), 30, source="tg:mirgorod"),
    ) == ["k", "p", "k", "m"]


def test_a_channels_numbered_alerts_are_each_their_own_event() -> None:
    # Regression: 30 numbered alerts between two polls gave one alert.
    burst = [
        post(f"a{n}", f"Воздушная тревога №{n}. Пройдите в укрытие.", n / 10, source="tg:region")
        for n in range(1, 31)
    ]
    assert len(set(stories(*burst))) == 30


def test_a_repost_joins_the_latest_of_a_sources_repeated_warnings() -> None:
    # Regression: the 08:20 warning's repost joined the 08:00 warning.
    clear = "Отбой ракетной опасности на территории Курской области."
    found = stories(
        post("w1", ALERT, 0, source="tg:gov"),
        post("r1", "⚡️" + ALERT, 1, source="tg:monitor"),
        post("c1", clear, 12, source="tg:gov"),
        post("w2", ALERT, 20, source="tg:gov"),
        post("r2", "⚡️" + ALERT, 21, source="tg:monitor"),
    )
    assert found == ["w1", "w1", "c1", "w2", "w2"]


def test_a_reply_of_a_source_to_its_own_post_joins_its_story() -> None:
    first = post("g1", GOV, 0, source="tg:gov", url="https://t.me/belgorod_gov/10")
    reply = StoryItem(
        "g2",
        "tg:gov",
        "Мужчину перевезли в областную больницу, его состояние стабильное.",
        "https://t.me/belgorod_gov/11",
        DAY + timedelta(minutes=40),
        reply_to_url="https://t.me/belgorod_gov/10",
    )
    assert stories(first, reply) == ["g1", "g1"]


def test_a_sources_marked_update_joins_its_earlier_post() -> None:
    found = stories(
        post("m1", MISSILE, 0, source="tg:gov"),
        post("m2", MISSILE_UPDATE, 50, source="tg:gov"),
    )
    assert found == ["m1", "m1"]
