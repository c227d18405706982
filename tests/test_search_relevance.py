"""What learners type finds what they mean: the first hit of each query, stems, typos, aliases.

The queries are what a learner of The LLM Course types; each names the one section, topic or
reference that must come first. A change to ranking that loses one of them fails here.
"""

from __future__ import annotations

import pytest

from llmcourse import search
from llmcourse.catalog import Catalog, load_bundled

COURSE = load_bundled()

FIRST = {
    "RAG": "engineer/rag",
    "rag": "engineer/rag",
    "retrieval augmented generation": "engineer/rag",
    "SFT": "scientist/fine-tuning",
    "fine-tuning": "scientist/fine-tuning",
    "finetuning": "scientist/fine-tuning",
    "DPO": "scientist/preference-alignment/direct-preference-optimization",
    "RLHF": "scientist/preference-alignment",
    "PPO": "scientist/preference-alignment/reinforcement-learning",
    "KV cache": "engineer/inference-optimization/key-value-cache",
    "key-value cache": "engineer/inference-optimization/key-value-cache",
    "pretraining": "scientist/pre-training",
    "pre-training": "scientist/pre-training",
    "tokenizer": "scientist/architecture/tokenization",
    "quantisation": "scientist/quantization",
    "quantization": "scientist/quantization",
    "quant": "scientist/quantization",
    "agents": "engineer/agents",
    "MCP": "engineer/agents/agent-protocols",
    "LoRA": "scientist/fine-tuning/training-techniques",
    "QLoRA": "scientist/fine-tuning/training-techniques",
    "GGUF": "scientist/quantization/gguf-llama-cpp",
    "llama.cpp": "scientist/quantization/gguf-llama-cpp",
    "GPTQ": "scientist/quantization/gptq-awq",
    "vector database": "engineer/vector-storage/vector-databases",
    "embeddings": "fundamentals/nlp/word-embeddings",
    "embedding models": "engineer/vector-storage/embedding-models",
    "chat template": "scientist/post-training-datasets/chat-templates",
    "evaluation": "scientist/evaluation",
    "benchmark": "scientist/evaluation/automated-benchmarks",
    "merging": "scientist/new-trends/model-merging",
    "multimodal": "scientist/new-trends/multimodal-models",
    "interpretability": "scientist/new-trends/interpretability",
    "test-time compute": "scientist/new-trends/test-time-compute",
    "prompt injection": "engineer/security/prompt-hacking",
    "jailbreak": "engineer/security/prompt-hacking",
    "deploying": "engineer/deployment",
    "deployment": "engineer/deployment/local-deployment",
    "vLLM": "engineer/deployment/server-deployment",
    "attention": "scientist/architecture/attention-mechanisms",
    "ATTENTION": "scientist/architecture/attention-mechanisms",
    "flash attention": "engineer/inference-optimization/flash-attention",
    "lanchain": "engineer/rag/orchestrators",
    "optimisation": "scientist/pre-training/training-optimization",
    "karpathy": "scientist/architecture/nanogpt",
    "nlp": "fundamentals/nlp",
    "rnn": "fundamentals/nlp/rnns",
    # The notebooks: found by what they build and the tools they use.
    "mixture of experts": "notebooks/moe-mergekit",
    "MoE": "notebooks/moe-mergekit",
    "ORPO": "notebooks/llama-3-orpo",
    "knowledge graph": "notebooks/knowledge-graphs",
    "exllamav2": "notebooks/exllamav2",
    "nucleus sampling": "notebooks/decoding-strategies",
}


def _first(catalog: Catalog, query: str) -> str | None:
    hits = search.search(catalog, query)
    return hits[0].node.id if hits else None


@pytest.mark.parametrize(("query", "expected"), FIRST.items())
def test_the_first_hit_is_what_the_learner_means(query: str, expected: str) -> None:
    assert _first(COURSE, query) == expected


def test_the_relevance_set_is_large_and_names_real_nodes() -> None:
    assert len(FIRST) >= 30
    assert set(FIRST.values()) <= set(COURSE.nodes)


def test_a_notebook_comes_after_what_to_learn_but_is_found() -> None:
    # A topic names the tool: the notebooks that use it follow, after what to learn.
    for query, topic, notebook in [
        ("unsloth", "scientist/fine-tuning/training-techniques", "notebooks/llama-3.1-unsloth"),
        ("mergekit", "scientist/new-trends/model-merging", "notebooks/merge-mergekit"),
        ("abliteration", "scientist/new-trends/interpretability", "notebooks/autoabliteration"),
    ]:
        hits = [hit.node.id for hit in search.search(COURSE, query)]
        assert hits[0] == topic, query
        assert notebook in hits, query


def test_words_match_whole_not_inside_other_words() -> None:
    # The letters r-a-g are in "Storage" and "Ragas": neither is RAG.
    hits = search.search(COURSE, "rag")
    assert "scientist/post-training-datasets/chat-templates" not in [h.node.id for h in hits]
    assert {word for hit in hits for word in hit.words} == {"rag"}


def test_variants_of_a_word_find_each_other() -> None:
    hit = search.search(COURSE, "tokenizer")[0]
    assert (hit.field, hit.words[0]) == ("title", "tokenization")  # the words to mark
    titles = {hit.node.title for hit in search.search(COURSE, "trained")}
    assert "Training techniques" in titles


def test_a_small_typo_is_corrected_and_a_stranger_word_finds_nothing() -> None:
    assert _first(COURSE, "quantisation") == _first(COURSE, "quantization")
    assert _first(COURSE, "atention") == _first(COURSE, "attention")
    assert search.search(COURSE, "zebra") == []
    assert search.search(COURSE, "flash zebra") == []  # every word must be found


def test_an_alias_is_a_title_a_learner_did_not_see() -> None:
    hit = search.search(COURSE, "kv CACHE")[0]
    assert (hit.node.id, hit.field, hit.text) == (
        "engineer/inference-optimization/key-value-cache",
        "alias",
        "KV cache",
    )
    assert {"kv", "cache"} <= set(hit.words)


def test_the_query_language_of_the_engine_is_not_obeyed() -> None:
    for query in ['"', "NEAR(flash attention)", "title:rag", "flash OR zebra", "-rag", "rag*"]:
        search.search(COURSE, query)  # no error from FTS5's own syntax
    assert search.search(COURSE, "flash OR zebra") == []  # OR is a word here, not an operator
