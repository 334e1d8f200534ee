"""Live search providers against fakes of their HTTP APIs on 127.0.0.1, with a real httpx client."""

from __future__ import annotations

import json
import logging
import ssl
import time

import httpx
import pytest
import pytest_asyncio
from fakes.base import Reply
from fakes.search_servers import API, Result, SearchApiServer, google_error, provider_env, searxng_results

from pix2fact.errors import ConfigError
from pix2fact.tools.search import LocalSearch, SearchTool
from pix2fact.tools.search_providers import (
    KNOWN_PROVIDERS,
    FallbackSearch,
    RetryPolicy,
    SearchAuthError,
    SearchQuotaError,
    SearchResponseError,
    SearchUnavailableError,
    make_search_backend,
)
from pix2fact.tools.web import SearchHit, Snapshot, WebPage

KEY = "sk-fake-0123456789abcdef-SECRET"
FAST = RetryPolicy(max_attempts=3, max_total_s=5, initial_wait_s=0.01, max_wait_s=0.02, max_retry_after_s=1.0)
NAMES = ["brave", "tavily", "serper", "google", "exa", "searxng"]
KEYED = [name for name in NAMES if name != "searxng"]
KEY_VARIABLES = {"brave": "BRAVE_API_KEY", "tavily": "TAVILY_API_KEY", "serper": "SERPER_API_KEY", "google": "GOOGLE_CSE_API_KEY", "exa": "EXA_API_KEY"}

RESULTS = [
    Result("Old Harbor Lighthouse &amp; Museum", "https://harbor.example/lighthouse", "Built in <strong>1887</strong>, it is 34 m tall.", "2024-03-05T00:00:00"),
    Result("Harbor Ferry", "https://harbor.example/ferry", "Ferries leave   every hour."),
]
EXPECTED = [
    SearchHit(title="Old Harbor Lighthouse & Museum", url="https://harbor.example/lighthouse", snippet="Built in 1887, it is 34 m tall.", date="2024-03-05T00:00:00"),
    SearchHit(title="Harbor Ferry", url="https://harbor.example/ferry", snippet="Ferries leave every hour.", date=None),
]


# Each new client loads the CA bundle (0.12 s on a 2-core machine), so the tests share one SSL context.
SSL_CONTEXT = ssl.create_default_context()


@pytest_asyncio.fixture(loop_scope="function")
async def client():
    async with httpx.AsyncClient(verify=SSL_CONTEXT) as http:
        yield http


def ok(name: str, results: list[Result] = RESULTS) -> Reply:
    return Reply(json=API[name].results(results))


def backend_for(name: str, server: SearchApiServer, client: httpx.AsyncClient, **options):
    return make_search_backend(name, env=provider_env(name, server.url, KEY), client=client, policy=FAST, **options)


# Request building and response parsing.


@pytest.mark.parametrize("name", NAMES)
async def test_request_format(name, client):
    with SearchApiServer(API[name], KEY, [ok(name)]) as server:
        await backend_for(name, server, client).search("lighthouse   height", limit=5)

    # The fake accepts only the provider's method, path and key placement.
    assert len(server.accepted) == 1
    assert server.unexpected == []
    request = server.accepted[0]
    assert API[name].query_of(request) == "lighthouse height"
    expected_count = {"serper": 10, "searxng": None}.get(name, 5)
    assert API[name].count_of(request) == expected_count
    assert KEY not in request.query


@pytest.mark.parametrize("name", NAMES)
async def test_parses_hits(name, client):
    with SearchApiServer(API[name], KEY, [ok(name)]) as server:
        hits = await backend_for(name, server, client).search("lighthouse")

    assert hits == EXPECTED


@pytest.mark.parametrize("name", NAMES)
async def test_limit_caps_hits(name, client):
    with SearchApiServer(API[name], KEY, [ok(name)]) as server:
        hits = await backend_for(name, server, client).search("lighthouse", limit=1)

    assert [hit.url for hit in hits] == ["https://harbor.example/lighthouse"]


@pytest.mark.parametrize("name", NAMES)
async def test_empty_results(name, client):
    with SearchApiServer(API[name], KEY, [ok(name, [])]) as server:
        hits = await backend_for(name, server, client).search("zzqx nothing")

    assert hits == []


async def test_skips_results_without_http_url(client):
    results = [Result("Mail", "mailto:keeper@harbor.example"), Result("No scheme", "harbor.example/x"), RESULTS[1]]
    with SearchApiServer(API["tavily"], KEY, [ok("tavily", results)]) as server:
        hits = await backend_for("tavily", server, client).search("keeper")

    assert [hit.url for hit in hits] == ["https://harbor.example/ferry"]


async def test_blank_query_sends_nothing(client):
    with SearchApiServer(API["brave"], KEY) as server:
        backend = backend_for("brave", server, client)
        assert await backend.search("   ") == []
        assert await backend.search("lighthouse", limit=0) == []

    assert server.requests == []


# Errors, retries and quotas.


@pytest.mark.parametrize("name", KEYED)
async def test_wrong_key_not_retried(name, client):
    with SearchApiServer(API[name], "the-right-key") as server:
        with pytest.raises(SearchAuthError) as caught:
            await backend_for(name, server, client).search("lighthouse")

    assert len(server.requests) == 1
    assert KEY_VARIABLES[name] in str(caught.value)
    assert KEY not in str(caught.value)


@pytest.mark.parametrize("name", NAMES)
async def test_retry_after_honoured(name, client):
    script = [API[name].error_reply(429, "too many requests", {"Retry-After": "0.3"}), ok(name)]
    with SearchApiServer(API[name], KEY, script) as server:
        started = time.monotonic()
        hits = await backend_for(name, server, client).search("lighthouse")
        elapsed = time.monotonic() - started

    assert hits == EXPECTED
    assert len(server.accepted) == 2
    assert elapsed >= 0.3


@pytest.mark.parametrize("name", NAMES)
async def test_server_error_retried_then_gives_up(name, client):
    script = [API[name].error_reply(500, "internal error")] * 3
    with SearchApiServer(API[name], KEY, script) as server:
        with pytest.raises(SearchUnavailableError) as caught:
            await backend_for(name, server, client).search("lighthouse")

    assert len(server.accepted) == FAST.max_attempts
    assert "gave up after 3 attempt(s)" in str(caught.value)
    assert "HTTP 500" in str(caught.value)


async def test_server_error_then_success(client):
    with SearchApiServer(API["exa"], KEY, [API["exa"].error_reply(503, "busy"), ok("exa")]) as server:
        hits = await backend_for("exa", server, client).search("lighthouse")

    assert hits == EXPECTED
    assert len(server.accepted) == 2


@pytest.mark.parametrize("name", NAMES)
async def test_malformed_json_not_retried(name, client):
    with SearchApiServer(API[name], KEY, [Reply(raw=b'{"results": [{"title": ')]) as server:
        with pytest.raises(SearchResponseError, match="not JSON"):
            await backend_for(name, server, client).search("lighthouse")

    assert len(server.accepted) == 1


@pytest.mark.parametrize("name", NAMES)
async def test_unexpected_json_shape(name, client):
    with SearchApiServer(API[name], KEY, [Reply(json=[1, 2, 3])]) as server:
        with pytest.raises(SearchResponseError, match="unexpected shape"):
            await backend_for(name, server, client).search("lighthouse")


@pytest.mark.parametrize("name", NAMES)
async def test_long_retry_after_means_quota(name, client):
    script = [API[name].error_reply(429, "limit reached", {"Retry-After": "3600"})]
    with SearchApiServer(API[name], KEY, script) as server:
        with pytest.raises(SearchQuotaError) as caught:
            await backend_for(name, server, client).search("lighthouse")

    assert len(server.accepted) == 1
    assert caught.value.retry_after_s == 3600


@pytest.mark.parametrize(
    ("name", "reply"),
    [
        pytest.param("tavily", API["tavily"].error_reply(432, "This request exceeds your plan's set usage limit."), id="tavily-432-plan"),
        pytest.param("tavily", API["tavily"].error_reply(433, "This request exceeds the pay-as-you-go limit."), id="tavily-433-paygo"),
        pytest.param("exa", Reply(status=402, json={"requestId": "r", "error": "You have run out of credits", "tag": "NO_MORE_CREDITS"}), id="exa-402"),
        pytest.param("serper", API["serper"].error_reply(400, "Not enough credits"), id="serper-credits"),
        pytest.param("google", google_error(429, "Quota exceeded for quota metric 'Queries' and limit 'Queries per day'", "rateLimitExceeded"), id="google-daily-429"),
        pytest.param("google", google_error(403, "Daily Limit Exceeded", "dailyLimitExceeded"), id="google-daily-403"),
        pytest.param(
            "brave",
            Reply(status=429, json={"type": "ErrorResponse", "error": {"status": 429, "code": "QUOTA_LIMITED", "detail": "Monthly quota reached"}}),
            id="brave-quota",
        ),
    ],
)
async def test_vendor_quota_errors(name, reply, client):
    with SearchApiServer(API[name], KEY, [reply]) as server:
        with pytest.raises(SearchQuotaError):
            await backend_for(name, server, client).search("lighthouse")

    assert len(server.accepted) == 1


async def test_google_per_minute_limit_retried(client):
    script = [google_error(429, "Quota exceeded for quota metric 'Queries' and limit 'Queries per minute'", "rateLimitExceeded"), ok("google")]
    with SearchApiServer(API["google"], KEY, script) as server:
        hits = await backend_for("google", server, client).search("lighthouse")

    assert hits == EXPECTED
    assert len(server.accepted) == 2


async def test_brave_rate_limit_headers_set_wait(client):
    limited = API["brave"].error_reply(429, "rate limited", {"X-RateLimit-Remaining": "0, 900", "X-RateLimit-Reset": "0.3, 2000000"})
    with SearchApiServer(API["brave"], KEY, [limited, ok("brave")]) as server:
        started = time.monotonic()
        hits = await backend_for("brave", server, client).search("lighthouse")

    assert hits == EXPECTED
    assert time.monotonic() - started >= 0.3


async def test_brave_exhausted_month_is_quota(client):
    limited = API["brave"].error_reply(429, "rate limited", {"X-RateLimit-Remaining": "1, 0", "X-RateLimit-Reset": "1, 2000000"})
    with SearchApiServer(API["brave"], KEY, [limited]) as server:
        with pytest.raises(SearchQuotaError):
            await backend_for("brave", server, client).search("lighthouse")

    assert len(server.accepted) == 1


async def test_timeout_retried_then_gives_up(client):
    policy = RetryPolicy(max_attempts=2, initial_wait_s=0.01, max_wait_s=0.02)
    with SearchApiServer(API["brave"], KEY, [Reply(delay=0.6), Reply(delay=0.6)]) as server:
        backend = make_search_backend("brave", env=provider_env("brave", server.url, KEY), client=client, policy=policy, timeout=0.2)
        started = time.monotonic()
        with pytest.raises(SearchUnavailableError, match="timed out"):
            await backend.search("lighthouse")

    assert time.monotonic() - started < 1.0
    assert len(server.accepted) == 2


async def test_searxng_unresponsive_engines_retried(client):
    failed = Reply(json=searxng_results([], [["duckduckgo", "timeout"], ["brave", "CAPTCHA"]]))
    with SearchApiServer(API["searxng"], None, [failed] * 3) as server:
        with pytest.raises(SearchUnavailableError, match="duckduckgo, brave"):
            await backend_for("searxng", server, client).search("lighthouse")

    assert len(server.accepted) == 3


async def test_searxng_partial_engines_still_answer(client):
    partial = Reply(json=searxng_results(RESULTS + RESULTS, [["brave", "timeout"]]))
    with SearchApiServer(API["searxng"], None, [partial]) as server:
        hits = await backend_for("searxng", server, client).search("lighthouse")

    assert hits == EXPECTED  # duplicates from several engines are merged


async def test_searxng_json_format_disabled(client):
    forbidden = Reply(status=403, raw=b"<html><body>403 Forbidden</body></html>", headers={"Content-Type": "text/html"})
    with SearchApiServer(API["searxng"], None, [forbidden]) as server:
        with pytest.raises(SearchResponseError, match="search.formats"):
            await backend_for("searxng", server, client).search("lighthouse")

    assert len(server.accepted) == 1


# Fallback chains and the recorded provider.


async def test_fallback_answers_after_auth_error(client):
    with SearchApiServer(API["brave"], "another-key") as brave, SearchApiServer(API["tavily"], KEY, [ok("tavily"), ok("tavily")]) as tavily:
        env = provider_env("brave", brave.url, KEY) | provider_env("tavily", tavily.url, KEY)
        backend = make_search_backend("brave,tavily", env=env, client=client, policy=FAST)
        tool = SearchTool(backend)

        result = await tool.call({"query": "lighthouse"})
        second = await tool.call({"query": "ferry"})

    assert isinstance(backend, FallbackSearch)
    assert backend.name == "brave,tavily"
    assert result.data["provider"] == "tavily"
    assert backend.last_provider == "tavily"
    assert "Old Harbor Lighthouse & Museum" in result.text
    assert second.data["provider"] == "tavily"
    assert len(brave.requests) == 1  # a rejected key is not tried again


async def test_fallback_retries_first_provider_after_outage(client):
    outage = [API["exa"].error_reply(502, "bad gateway")] * 3
    with SearchApiServer(API["exa"], KEY, [*outage, ok("exa")]) as exa, SearchApiServer(API["serper"], KEY, [ok("serper")]) as serper:
        env = provider_env("exa", exa.url, KEY) | provider_env("serper", serper.url, KEY)
        backend = make_search_backend("exa,serper", env=env, client=client, policy=FAST)

        hits, provider = await backend.search_with_provider("lighthouse")
        later_hits, later_provider = await backend.search_with_provider("ferry")

    assert (provider, hits) == ("serper", EXPECTED)
    assert (later_provider, later_hits) == ("exa", EXPECTED)


async def test_fallback_skips_provider_out_of_quota(client):
    quota = API["tavily"].error_reply(432, "This request exceeds your plan's set usage limit.")
    with SearchApiServer(API["tavily"], KEY, [quota]) as tavily, SearchApiServer(API["google"], KEY, [ok("google"), ok("google")]) as google:
        env = provider_env("tavily", tavily.url, KEY) | provider_env("google", google.url, KEY)
        backend = make_search_backend("tavily,google", env=env, client=client, policy=FAST)
        first = await backend.search_with_provider("lighthouse")
        second = await backend.search_with_provider("ferry")

    assert first[1] == second[1] == "google"
    assert len(tavily.requests) == 1


async def test_fallback_empty_result_is_an_answer(client):
    with SearchApiServer(API["brave"], KEY, [ok("brave", [])]) as brave, SearchApiServer(API["tavily"], KEY) as tavily:
        env = provider_env("brave", brave.url, KEY) | provider_env("tavily", tavily.url, KEY)
        backend = make_search_backend("brave,tavily", env=env, client=client, policy=FAST)
        hits, provider = await backend.search_with_provider("zzqx")

    assert (hits, provider) == ([], "brave")
    assert tavily.requests == []


async def test_fallback_all_fail_names_each(client):
    with SearchApiServer(API["brave"], "other") as brave, SearchApiServer(API["serper"], KEY, [API["serper"].error_reply(500, "down")] * 3) as serper:
        env = provider_env("brave", brave.url, KEY) | provider_env("serper", serper.url, KEY)
        backend = make_search_backend("brave,serper", env=env, client=client, policy=FAST)
        with pytest.raises(SearchUnavailableError) as caught:
            await backend.search("lighthouse")

    message = str(caught.value)
    assert message.startswith("brave,serper: every search provider failed: brave: HTTP 422")
    assert "; serper: gave up after 3 attempt(s)" in message


async def test_fallback_to_local_snapshot(client):
    page = WebPage(url="https://harbor.example/lighthouse", title="Old Harbor Lighthouse", body="<p>The lighthouse was built in 1887.</p>")
    local = LocalSearch(Snapshot("providers-test", [page], ["harbor.example"]))
    with SearchApiServer(API["brave"], "other") as brave:
        backend = make_search_backend("brave,local", env=provider_env("brave", brave.url, KEY), client=client, policy=FAST, local=local)
        result = await SearchTool(backend).call({"query": "lighthouse built"})

    assert result.data["provider"] == "local-snapshot"
    assert result.data["results"][0]["url"] == "https://harbor.example/lighthouse"


async def test_single_provider_recorded_by_tool(client):
    with SearchApiServer(API["serper"], KEY, [ok("serper")]) as server:
        result = await SearchTool(backend_for("serper", server, client)).call({"query": "lighthouse", "max_results": 1})

    assert result.data["provider"] == "serper"
    assert result.data["count"] == 1


# Caching.


async def test_cache_answers_second_query(client, tmp_path):
    with SearchApiServer(API["brave"], KEY, [ok("brave")]) as server:
        backend = backend_for("brave", server, client, cache_dir=tmp_path)
        first = await backend.search("lighthouse  height")
        second = await backend.search("lighthouse height")

    assert second == first == EXPECTED
    assert len(server.requests) == 1
    files = list((tmp_path / "brave").glob("*.json"))
    assert len(files) == 1
    entry = json.loads(files[0].read_text())
    assert entry["query"] == "lighthouse height"
    assert entry["params"] == {"count": 10}
    assert KEY not in files[0].read_text()


async def test_cache_keyed_by_parameters(client, tmp_path):
    with SearchApiServer(API["exa"], KEY, [ok("exa"), ok("exa")]) as server:
        backend = backend_for("exa", server, client, cache_dir=tmp_path)
        await backend.search("lighthouse", limit=5)
        await backend.search("lighthouse", limit=6)

    assert [API["exa"].count_of(request) for request in server.accepted] == [5, 6]


async def test_cache_separate_per_provider(client, tmp_path):
    with SearchApiServer(API["exa"], KEY, [ok("exa")]) as exa, SearchApiServer(API["tavily"], KEY, [ok("tavily")]) as tavily:
        await backend_for("exa", exa, client, cache_dir=tmp_path).search("lighthouse")
        await backend_for("tavily", tavily, client, cache_dir=tmp_path).search("lighthouse")

    assert len(exa.requests) == len(tavily.requests) == 1


async def test_cache_expires_after_ttl(client, tmp_path):
    with SearchApiServer(API["tavily"], KEY, [ok("tavily"), ok("tavily")]) as server:
        backend = backend_for("tavily", server, client, cache_dir=tmp_path, cache_ttl_s=60)
        await backend.search("lighthouse")
        (path,) = (tmp_path / "tavily").glob("*.json")
        entry = json.loads(path.read_text())
        entry["stored_at"] -= 61
        path.write_text(json.dumps(entry))
        await backend.search("lighthouse")

    assert len(server.requests) == 2


async def test_corrupt_cache_entry_ignored(client, tmp_path, caplog):
    with SearchApiServer(API["google"], KEY, [ok("google"), ok("google")]) as server:
        backend = backend_for("google", server, client, cache_dir=tmp_path)
        await backend.search("lighthouse")
        (path,) = (tmp_path / "google").glob("*.json")
        path.write_text("{not json")
        hits = await backend.search("lighthouse")

    assert hits == EXPECTED
    assert len(server.requests) == 2
    assert "ignoring unreadable entry" in caplog.text


async def test_errors_not_cached(client, tmp_path):
    with SearchApiServer(API["serper"], KEY, [API["serper"].error_reply(400, "bad request"), ok("serper")]) as server:
        backend = backend_for("serper", server, client, cache_dir=tmp_path)
        with pytest.raises(SearchResponseError):
            await backend.search("lighthouse")
        hits = await backend.search("lighthouse")

    assert hits == EXPECTED


async def test_url_credentials_kept_secret(client, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    with SearchApiServer(API["searxng"], None, [ok("searxng")]) as server:
        url = server.url.replace("http://", "http://reader:pa55word@")
        backend = make_search_backend("searxng", env={"SEARXNG_URL": url}, client=client, policy=FAST, cache_dir=tmp_path)
        await backend.search("lighthouse")

    (path,) = (tmp_path / "searxng").glob("*.json")
    assert "pa55word" not in path.read_text()
    assert "pa55word" not in caplog.text
    assert "pa55word" not in repr(backend)
    assert server.accepted[0].headers["authorization"] == "Basic cmVhZGVyOnBhNTV3b3Jk"


# Configuration and the factory.


@pytest.mark.parametrize("name", KEYED)
def test_missing_key_message(name):
    with pytest.raises(ConfigError) as caught:
        make_search_backend(name, env={})

    message = str(caught.value)
    assert "\n" not in message
    assert KEY_VARIABLES[name] in message
    assert "--tasks sample" in message


def test_searxng_needs_url():
    with pytest.raises(ConfigError, match="set SEARXNG_URL"):
        make_search_backend("searxng", env={})


def test_google_needs_engine_id():
    with pytest.raises(ConfigError, match="GOOGLE_CSE_ID"):
        make_search_backend("google", env={"GOOGLE_CSE_API_KEY": KEY})


def test_url_must_be_http():
    with pytest.raises(ConfigError, match="PIX2FACT_EXA_URL must be an http"):
        make_search_backend("exa", env={"EXA_API_KEY": KEY, "PIX2FACT_EXA_URL": "ftp://127.0.0.1/exa"})


@pytest.mark.parametrize("spec", ["bing", "brave,yahoo", "", "brave,,tavily", " , "])
def test_bad_spec_lists_known_providers(spec):
    with pytest.raises(ConfigError) as caught:
        make_search_backend(spec, env={})

    for name in KNOWN_PROVIDERS:
        assert name in str(caught.value)


def test_repeated_provider_rejected():
    with pytest.raises(ConfigError, match="more than once"):
        make_search_backend("brave,tavily,brave", env={})


def test_local_needs_backend():
    with pytest.raises(ConfigError, match="--tasks sample"):
        make_search_backend("local")


def test_spec_is_case_and_space_insensitive():
    env = {"BRAVE_API_KEY": KEY, "TAVILY_API_KEY": KEY}
    backend = make_search_backend(" Brave , TAVILY ", env=env)

    assert backend.name == "brave,tavily"


def test_defaults_are_documented_endpoints():
    env = {variable: KEY for variable in KEY_VARIABLES.values()} | {"GOOGLE_CSE_ID": "cx"}
    backend = make_search_backend("brave,tavily,serper,google,exa", env=env)

    urls = {provider.name: provider.base_url for provider in backend.backends}
    assert urls == {
        "brave": "https://api.search.brave.com",
        "tavily": "https://api.tavily.com",
        "serper": "https://google.serper.dev",
        "google": "https://www.googleapis.com",
        "exa": "https://api.exa.ai",
    }
    assert KEY not in repr(backend.backends)


async def test_own_client_closed_and_reopened():
    with SearchApiServer(API["tavily"], KEY, [ok("tavily"), ok("tavily")]) as server:
        backend = make_search_backend("tavily", env=provider_env("tavily", server.url, KEY), policy=FAST)
        await backend.search("lighthouse")
        await backend.aclose()
        hits = await backend.search("ferry")
        await backend.aclose()

    assert hits == EXPECTED


# Secrets and logging.


async def test_key_never_logged_or_raised(client, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    echo = f"invalid request for key {KEY}"
    brave_script = [API["brave"].error_reply(500, echo)] * 3
    tavily_script = [API["tavily"].error_reply(429, echo, {"Retry-After": "0.01"}), ok("tavily")]
    with SearchApiServer(API["brave"], KEY, brave_script) as brave, SearchApiServer(API["tavily"], KEY, tavily_script) as tavily:
        with SearchApiServer(API["google"], KEY, [API["google"].error_reply(400, echo)]) as google:
            env = provider_env("brave", brave.url, KEY) | provider_env("tavily", tavily.url, KEY) | provider_env("google", google.url, KEY)
            backend = make_search_backend("brave,tavily", env=env, client=client, policy=FAST, cache_dir=tmp_path)
            hits, provider = await backend.search_with_provider("secret lighthouse words")
            with pytest.raises(SearchResponseError) as caught:
                await make_search_backend("google", env=env, client=client, policy=FAST).search("lighthouse")

    assert (provider, hits) == ("tavily", EXPECTED)
    assert KEY not in caplog.text
    assert KEY not in str(caught.value)
    assert "[redacted]" in str(caught.value)
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert KEY not in path.read_text()

    # The query text is logged only at DEBUG; INFO lines name it by hash and length.
    ours = [record for record in caplog.records if record.name.startswith("pix2fact.tools.search_providers")]
    assert any(record.levelno == logging.INFO and "(23 chars) -> 2 hit(s)" in record.getMessage() for record in ours)
    assert all("secret lighthouse words" not in record.getMessage() for record in ours if record.levelno >= logging.INFO)
