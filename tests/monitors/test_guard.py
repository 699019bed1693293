"""The SSRF guard: which addresses are refused, on every hop, at connect time."""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING

import httpx
import pytest

from monitors.errors import SourceRefused, SourceUnavailable
from monitors.fetcher import Fetcher, Validators
from monitors.guard import IPAddress, address_problem, system_resolver

if TYPE_CHECKING:
    from tests.fakes.web import FakeWeb


def resolver_for(table: dict[str, str]):
    """A resolver seam answering from ``table``; unknown names do not resolve."""

    async def resolve(host: str, port: int) -> list[IPAddress]:
        if host not in table:
            raise SourceUnavailable(f"{host} does not resolve")
        return [ipaddress.ip_address(a) for a in table[host].split(",")]

    return resolve


@pytest.mark.parametrize(
    ("address", "problem"),
    [
        ("127.0.0.1", "loopback"),
        ("10.0.0.5", "private"),
        ("172.16.3.4", "private"),
        ("192.168.1.1", "private"),
        ("169.254.169.254", "link-local"),
        ("100.64.0.1", "CGNAT"),
        ("0.0.0.0", "unspecified"),
        ("224.0.0.1", "multicast"),
        ("240.0.0.1", "reserved"),
        ("::1", "loopback"),
        ("::", "unspecified"),
        ("fe80::1", "link-local"),
        ("fd00::1", "private"),
        ("ff02::1", "multicast"),
        ("::ffff:127.0.0.1", "loopback"),
        ("::ffff:10.1.2.3", "private"),
        ("2002:7f00:1::", "loopback"),
        ("2002:a9fe:a9fe::", "link-local"),
        ("64:ff9b::a00:1", "private"),
        ("64:ff9b::6440:1", "CGNAT"),
        # Regression (issue 10, bug 12): the deprecated site-local range passed.
        ("fec0::1", "site-local"),
        ("feff::1", "site-local"),
    ],
)
def test_non_public_addresses_are_refused(address: str, problem: str) -> None:
    found = address_problem(ipaddress.ip_address(address))
    assert found is not None
    assert problem in found


@pytest.mark.parametrize(
    "address", ["93.184.216.34", "1.1.1.1", "2606:4700:4700::1111", "::ffff:8.8.8.8"]
)
def test_public_addresses_pass(address: str) -> None:
    assert address_problem(ipaddress.ip_address(address)) is None


async def test_loopback_url_is_refused_without_a_request(fake_web: FakeWeb) -> None:
    fake_web.serve("/feed", "<rss/>")
    async with Fetcher(allow_private_networks=False) as fetcher:
        with pytest.raises(SourceRefused, match=r"127\.0\.0\.1 is a loopback address"):
            await fetcher.fetch(fake_web.url("/feed"), Validators())
    assert fake_web.requests == []


async def test_hostname_resolving_to_private_address_is_refused() -> None:
    resolve = resolver_for({"feeds.example": "10.0.0.5"})
    async with Fetcher(allow_private_networks=False, resolver=resolve) as fetcher:
        with pytest.raises(SourceRefused) as caught:
            await fetcher.fetch("http://feeds.example/rss", Validators())
    assert caught.value.reason == "feeds.example resolves to 10.0.0.5, a private address"


async def test_one_private_answer_among_public_ones_refuses_the_host() -> None:
    resolve = resolver_for({"rebind.example": "93.184.216.34,127.0.0.1"})
    async with Fetcher(allow_private_networks=False, resolver=resolve) as fetcher:
        with pytest.raises(SourceRefused, match=r"127\.0\.0\.1, a loopback address"):
            await fetcher.fetch("https://rebind.example/rss", Validators())


async def test_connection_goes_to_the_checked_address(fake_web: FakeWeb) -> None:
    # The name exists only in the resolver seam: reaching the server proves the
    # connection used the address the guard saw, and the Host header keeps the name.
    fake_web.serve("/feed", "<rss/>")
    port = fake_web.base_url.rsplit(":", 1)[1]
    resolve = resolver_for({"feeds.example": "127.0.0.1"})
    async with Fetcher(allow_private_networks=True, resolver=resolve) as fetcher:
        fetched = await fetcher.fetch(f"http://feeds.example:{port}/feed", Validators())
    assert fetched.body == b"<rss/>"
    assert fake_web.requests[0].headers["Host"] == f"feeds.example:{port}"


async def test_redirect_to_loopback_is_refused(fake_web: FakeWeb) -> None:
    fake_web.serve("/secret", "internal")

    def public_site(request: httpx.Request) -> httpx.Response:
        return httpx.Response(302, headers={"Location": fake_web.url("/secret")})

    fetcher = Fetcher(allow_private_networks=False, transport=httpx.MockTransport(public_site))
    async with fetcher:
        with pytest.raises(SourceRefused, match="loopback"):
            await fetcher.fetch("https://news.example/feed", Validators())
    assert fake_web.requests == []


async def test_redirect_hops_connect_through_the_guard(fake_web: FakeWeb) -> None:
    # intranet.example exists only in the resolver seam, so the second hop
    # reaching the server proves it was resolved (and checked) by the guard.
    port = fake_web.base_url.rsplit(":", 1)[1]
    fake_web.redirect("/feed", f"http://intranet.example:{port}/real")
    fake_web.serve("/real", "<rss/>")
    resolve = resolver_for({"intranet.example": "127.0.0.1"})
    async with Fetcher(allow_private_networks=True, resolver=resolve) as fetcher:
        fetched = await fetcher.fetch(fake_web.url("/feed"), Validators())
    assert fetched.url == f"http://intranet.example:{port}/real"
    assert [seen.path for seen in fake_web.requests] == ["/feed", "/real"]


@pytest.mark.parametrize("url", ["ftp://news.example/feed", "file:///etc/passwd"])
async def test_other_schemes_are_refused(url: str) -> None:
    async with Fetcher(allow_private_networks=True) as fetcher:
        with pytest.raises(SourceRefused, match="only http and https"):
            await fetcher.fetch(url, Validators())


async def test_private_networks_allowed_when_configured(fake_web: FakeWeb) -> None:
    fake_web.serve("/feed", "<rss/>")
    async with Fetcher(allow_private_networks=True) as fetcher:
        fetched = await fetcher.fetch(fake_web.url("/feed"), Validators())
    assert fetched.status == 200


async def test_system_resolver_reports_unknown_names() -> None:
    with pytest.raises(SourceUnavailable, match="does not resolve"):
        await system_resolver("no-such-host.invalid", 80)
