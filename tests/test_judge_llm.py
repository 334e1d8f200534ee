"""The LLM judge through the real openai, anthropic and google-genai SDKs, against fakes on 127.0.0.1.

Covers reply parsing, retries of unreadable replies, provider failures (ungradable, never
wrong), the on-disk cache and its key, `both` mode, and the optional LLM attribution.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fakes.anthropic_server import AnthropicServer, message_reply, text_block
from fakes.base import FakeServer
from fakes.gemini_server import GeminiServer, gemini_reply, text_part
from fakes.openai_server import chat_reply, error_reply
from judge_fakes import FAKE_KEY, FakeJudge

from pix2fact.errors import ConfigError
from pix2fact.judge.batch import RunJudge, judge_records
from pix2fact.judge.cache import JudgementCache
from pix2fact.judge.llm import LLMGrader
from pix2fact.judge.llm_attribution import LLMAttributor
from pix2fact.judge.replies import parse_attribution, parse_judgement
from pix2fact.judge.spec import JudgeSpec, LLMModel
from pix2fact.judge.text import NO_ANSWER_TOKEN
from pix2fact.models.anthropic import AnthropicClient
from pix2fact.models.limits import ProviderLimiter
from pix2fact.models.retry import RetryPolicy
from pix2fact.tasks.model import Task

from test_judge_attribution import Trajectory, make_task

FAST_RETRIES = RetryPolicy(max_attempts=2, initial_wait_s=0.01, max_wait_s=0.02)


@pytest.fixture
def openai_env(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", FAKE_KEY)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)


def openai_grader(server: FakeServer, cache_dir: Path, **options) -> LLMGrader:
    model = LLMModel("openai", "gpt-judge")
    client = model.client_class().from_env("gpt-judge", base_url=server.url + "/v1", retry_policy=FAST_RETRIES, limiter=ProviderLimiter("judge-test", max_concurrency=4))
    return LLMGrader(model, JudgementCache(cache_dir), client=client, **options)


def assert_no_key(folder: Path) -> None:
    for path in folder.rglob("*"):
        if path.is_file():
            assert FAKE_KEY.encode() not in path.read_bytes(), f"key found in {path}"


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        ('{"correct": true, "reason": "same year"}', (True, "same year")),
        ('```json\n{"correct": false, "reason": "digits differ"}\n```', (False, "digits differ")),
        ('Sure. {"verdict": "False", "explanation": "wrong street"} Hope that helps.', (False, "wrong street")),
        ('{"is_correct": "yes", "rationale": "ok"}', (True, "ok")),
        ("Verdict: True. The hours match.", (True, None)),
        ("**False** - AM versus PM.", (False, None)),
        ("Incorrect. The reference says 10:00.", (False, None)),
        ("I compared both and the result is False because the number differs.", (False, None)),
    ],
    ids=["json", "fenced", "embedded", "yes-word", "labelled", "bold-leading", "incorrect-word", "single-bool"],
)
def test_parse_judgement_lenient(reply, expected):
    parsed = parse_judgement(reply)

    assert parsed is not None
    assert parsed[0] is expected[0]
    if expected[1] is not None:
        assert parsed[1] == expected[1]


@pytest.mark.parametrize("reply", ["", "I am not sure.", "It could be True or False.", '{"score": 0.5}'], ids=["empty", "no-decision", "both-words", "unknown-key"])
def test_parse_judgement_unreadable(reply):
    assert parse_judgement(reply) is None


def test_parse_attribution_json_and_text():
    classes = ("grounding", "shallow_search", "long_tail", "reasoning")

    assert parse_attribution('{"class": "long-tail", "reason": "never opened the page"}', classes) == ("long_tail", "never opened the page")
    assert parse_attribution("The cause is shallow search: one query only.", classes)[0] == "shallow_search"
    assert parse_attribution("grounding or reasoning", classes) is None


@pytest.mark.parametrize(
    ("text", "mode", "name"),
    [
        ("rule", "rule", None),
        ("llm:openai:gpt-x", "llm", "openai:gpt-x"),
        ("both:anthropic", "both", f"anthropic:{AnthropicClient.default_model}"),
        ("llm:openai-compatible:qwen2.5:7b", "llm", "openai-compatible:qwen2.5:7b"),
    ],
)
def test_judge_spec_forms(text, mode, name):
    spec = JudgeSpec.parse(text)

    assert spec.mode == mode
    assert (spec.llm.name if spec.llm else None) == name
    assert "/" not in spec.slug
    assert ":" not in spec.slug


@pytest.mark.parametrize("text", ["both", "llm", "llm:mistral:x", "gpt", "llm:openai-compatible"])
def test_judge_spec_rejects(text):
    with pytest.raises(ConfigError):
        JudgeSpec.parse(text)


async def test_openai_judge_grades_and_caches(openai_env, tmp_path):
    judge = FakeJudge()
    with FakeServer(handler=judge) as server:
        grader = openai_grader(server, tmp_path / "cache")
        right = await grader.grade("It was founded in 1981.", "1981", question="In what year was the club founded?")
        wrong = await grader.grade("1987", "1981", question="In what year was the club founded?")
        again = await grader.grade("It was founded in 1981.", "1981", question="In what year was the club founded?")
        await grader.aclose()

    assert right.verdict == "correct"
    assert right.method == "llm"
    assert right.reason.startswith("llm:openai:gpt-judge: ")
    assert wrong.verdict == "incorrect"
    assert again == right
    assert len(server.requests) == 2
    assert server.requests[0].path == "/v1/chat/completions"
    system = server.requests[0].json["messages"][0]["content"]
    assert NO_ANSWER_TOKEN in system
    assert "AM or PM" in system
    entries = list((tmp_path / "cache").rglob("*.json"))
    assert len(entries) == 2
    entry = json.loads(entries[0].read_text())
    assert set(entry) >= {"judge_model", "prompt_version", "question", "gold", "answer", "correct", "reason"}
    assert_no_key(tmp_path)


async def test_cache_key_changes_with_each_field(openai_env, tmp_path):
    judge = FakeJudge()
    with FakeServer(handler=judge) as server:
        grader = openai_grader(server, tmp_path)
        await grader.grade("1981", "1981", question="q1")
        await grader.grade("1981", "1981", question="q2")
        await grader.grade("1981", "1982", question="q1")
        await grader.grade("1981.", "1981", question="q1")
        other = LLMGrader(LLMModel("openai", "gpt-other"), JudgementCache(tmp_path), client=grader.client)
        await other.grade("1981", "1981", question="q1")
        await grader.aclose()

    assert len(server.requests) == 5


async def test_protocol_cases_need_no_model(openai_env, tmp_path):
    with FakeServer() as server:
        grader = openai_grader(server, tmp_path)
        abstained = await grader.grade(NO_ANSWER_TOKEN, "1981")
        both_abstain = await grader.grade(NO_ANSWER_TOKEN, NO_ANSWER_TOKEN)
        claims = await grader.grade("1981", NO_ANSWER_TOKEN)
        no_gold = await grader.grade("1981", "")
        await grader.aclose()

    assert (abstained.verdict, both_abstain.verdict, claims.verdict, no_gold.verdict) == ("incorrect", "correct", "incorrect", "ungradable")
    assert server.requests == []


async def test_unreadable_reply_retried_then_read(openai_env, tmp_path):
    with FakeServer([chat_reply("Hmm, let me think."), chat_reply('{"correct": true, "reason": "same"}')]) as server:
        grader = openai_grader(server, tmp_path)
        grade = await grader.grade("1981", "1981")
        await grader.aclose()

    assert grade.verdict == "correct"
    assert len(server.requests) == 2
    retry_messages = server.requests[1].json["messages"]
    assert retry_messages[-2]["role"] == "assistant"
    assert "could not be read" in retry_messages[-1]["content"][0]["text"]


async def test_unreadable_after_retries_is_ungradable(openai_env, tmp_path):
    with FakeServer([chat_reply("maybe")] * 3) as server:
        grader = openai_grader(server, tmp_path, parse_attempts=3)
        grade = await grader.grade("1987", "1981")
        await grader.aclose()

    assert grade.verdict == "ungradable"
    assert "unreadable after 3 attempt(s)" in grade.reason
    assert len(server.requests) == 3
    assert server.unexpected == []
    assert list(tmp_path.rglob("*.json")) == []


async def test_provider_failure_is_ungradable_not_cached(openai_env, tmp_path):
    with FakeServer([error_reply(503, "overloaded")] * 2) as server:
        grader = openai_grader(server, tmp_path)
        grade = await grader.grade("1987", "1981")
        await grader.aclose()

    assert grade.verdict == "ungradable"
    assert grade.reason.startswith("judge call failed")
    assert FAKE_KEY not in grade.reason
    assert len(server.requests) == 2
    assert list(tmp_path.rglob("*.json")) == []


async def test_anthropic_judge(monkeypatch, tmp_path):
    monkeypatch.setenv("ANTHROPIC_API_KEY", FAKE_KEY)
    reply = message_reply(text_block('Here you go: {"correct": false, "reason": "the suite number differs"}'))
    with AnthropicServer([reply]) as server:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", server.url)
        model = LLMModel.parse("anthropic:claude-judge")
        grader = LLMGrader(model, JudgementCache(tmp_path))
        grade = await grader.grade("12 Harbour Road, Easton", "747 Chapel Lane, Kestrel Point", question="What is the address?")
        await grader.aclose()

    assert grade.verdict == "incorrect"
    assert "suite number differs" in grade.reason
    assert server.rejected == []
    assert server.requests[0].path == "/v1/messages"
    assert server.requests[0].json["model"] == "claude-judge"
    assert_no_key(tmp_path)


async def test_gemini_judge(monkeypatch, tmp_path):
    for name in ("GOOGLE_API_KEY", "GOOGLE_GENAI_USE_VERTEXAI"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GEMINI_API_KEY", FAKE_KEY)
    with GeminiServer([gemini_reply(text_part("True. Both give 10:00 to 15:00 on Saturday."))]) as server:
        monkeypatch.setenv("GOOGLE_GEMINI_BASE_URL", server.url)
        grader = LLMGrader(LLMModel.parse("gemini:gemini-judge"), JudgementCache(tmp_path))
        grade = await grader.grade("Saturday 10am-3pm", "10:00-15:00", question="When does it open on Saturday?")
        await grader.aclose()

    assert grade.verdict == "correct"
    assert server.rejected == []
    assert "gemini-judge:generateContent" in server.requests[0].path
    assert_no_key(tmp_path)


def sample_records():
    """Three answers to one phone task: rule-correct, rule-wrong, and abstained."""
    task = make_task()
    records = [
        Trajectory().record("020 7946 0958").model_copy(update={"task_id": "t1", "epoch": 1}),
        Trajectory().record("call 7946-0958 in London").model_copy(update={"task_id": "t1", "epoch": 2}),
        Trajectory().record(NO_ANSWER_TOKEN).model_copy(update={"task_id": "t1", "epoch": 3}),
    ]
    return {"t1": task}, records


def test_both_asks_llm_only_where_rules_do_not_match(openai_env, tmp_path):
    tasks, records = sample_records()
    judge = FakeJudge(overrides={"call 7946-0958 in London": True})
    with FakeServer(handler=judge) as server:
        grader = openai_grader(server, tmp_path)
        verdicts = judge_records(tasks, records, RunJudge("both:openai:gpt-judge", grader=grader))

    assert [verdict.verdict for verdict in verdicts] == ["correct", "correct", "incorrect"]
    assert [verdict.judge for verdict in verdicts] == ["rule", "llm:openai:gpt-judge", "rule"]
    assert len(server.requests) == 1
    assert {verdict.judge_version for verdict in verdicts} == {"rule-1.0+llm-p1+openai:gpt-judge"}
    assert verdicts[2].failure == "abstention"


def test_llm_mode_grades_every_answer(openai_env, tmp_path):
    tasks, records = sample_records()
    judge = FakeJudge()
    with FakeServer(handler=judge) as server:
        grader = openai_grader(server, tmp_path)
        verdicts = judge_records(tasks, records, RunJudge("llm:openai:gpt-judge", grader=grader))

    assert [verdict.verdict for verdict in verdicts] == ["incorrect", "incorrect", "incorrect"]
    assert len(server.requests) == 2
    assert verdicts[0].failure is not None


def unannotated_task() -> Task:
    return make_task(regions=[], search_query="", evidence_urls=[])


def test_unannotated_failure_is_unknown_without_llm():
    record = Trajectory().crop([0, 0, 500, 500]).search("cafe phone").open("https://a.example/").search("cafe number camden").record("020 0000 0000")

    verdicts = judge_records({"t1": unannotated_task()}, [record])

    assert verdicts[0].failure == "unknown"
    assert verdicts[0].attribution_source == "signals"
    assert "no region annotations" in verdicts[0].evidence


def test_unannotated_shallow_search_still_found():
    record = Trajectory().crop([0, 0, 500, 500]).search("cafe phone").record("020 0000 0000")

    verdicts = judge_records({"t1": unannotated_task()}, [record])

    assert verdicts[0].failure == "shallow_search"


def test_llm_attribution_fills_unknown(openai_env, tmp_path):
    record = Trajectory().crop([0, 0, 500, 500]).search("cafe phone").open("https://a.example/").search("cafe number camden").record("020 0000 0000")
    with FakeServer(handler=FakeJudge()) as server:
        model = LLMModel("openai", "gpt-reader")
        client = model.client_class().from_env("gpt-reader", base_url=server.url + "/v1", retry_policy=FAST_RETRIES)
        attributor = LLMAttributor(model, JudgementCache(tmp_path), client=client)
        verdicts = judge_records({"t1": unannotated_task()}, [record], RunJudge("rule", attributor=attributor))
        digest = server.requests[0].json["messages"][-1]["content"][0]["text"]

    assert verdicts[0].failure == "long_tail"
    assert verdicts[0].attribution_source == "llm"
    assert verdicts[0].evidence.startswith("LLM reading: searched the right name")
    assert "web_search" in digest
    assert "cafe number camden" in digest
    assert_no_key(tmp_path)
