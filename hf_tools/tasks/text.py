"""Declarations of the text tasks: one ``register(TaskSpec(...))`` per task."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from huggingface_hub import (
    FillMaskOutputElement,
    QuestionAnsweringOutputElement,
    SummarizationOutput,
    TableQuestionAnsweringOutputElement,
    TextClassificationOutputElement,
    TokenClassificationOutputElement,
    TranslationOutput,
    ZeroShotClassificationOutputElement,
)
from pydantic import Field, ValidationInfo, field_validator

from hf_tools.errors import HFResponseError
from hf_tools.prepared_call import AnswerHook, check_count
from hf_tools.tasks.registry import TaskRegistry
from hf_tools.tasks.render import answers, as_list, labels, number, pairs, plain, text_of
from hf_tools.tasks.spec import TaskInput, TaskSpec
from hf_tools.tasks.table import TextTable
from hf_tools.tasks.via_chat import TEXT_GENERATION

Truncation = Literal["do_not_truncate", "longest_first", "only_first", "only_second"]
GENERATE_PARAMETERS = "Extra generation options (max_new_tokens, num_beams, ...)."


class TextGenerationInput(TaskInput):
    prompt: str = Field(min_length=1, description="The text to continue.")
    max_new_tokens: int | None = Field(None, ge=1, description="Most tokens to generate.")
    temperature: float | None = Field(None, ge=0, description="Sampling temperature.")
    top_p: float | None = Field(None, gt=0, le=1, description="Nucleus sampling mass.")
    top_k: int | None = Field(None, ge=1, description="Sample among the k likeliest tokens.")
    typical_p: float | None = Field(None, gt=0, le=1, description="Typical decoding mass.")
    repetition_penalty: float | None = Field(None, gt=0, description="Penalty for repeats.")
    frequency_penalty: float | None = Field(None, description="Penalty by token frequency.")
    stop: list[str] | None = Field(None, description="Stop when one of these is generated.")
    seed: int | None = Field(None, description="Random seed for sampling.")
    do_sample: bool | None = Field(None, description="Sample instead of greedy decoding.")
    return_full_text: bool | None = Field(None, description="Prepend the prompt to the output.")
    truncate: int | None = Field(None, ge=1, description="Keep only the last N prompt tokens.")
    watermark: bool | None = Field(None, description="Watermark the output.")
    best_of: int | None = Field(None, ge=1, description="Generate N and return the best.")
    adapter_id: str | None = Field(None, description="LoRA adapter to use.")


class TextClassificationInput(TaskInput):
    text: str = Field(min_length=1, description="The text to classify.")
    top_k: int | None = Field(None, ge=1, description="Return only the k likeliest labels.")
    function_to_apply: Literal["sigmoid", "softmax", "none"] | None = Field(
        None, description="How scores are computed from logits."
    )


class ZeroShotClassificationInput(TaskInput):
    text: str = Field(min_length=1, description="The text to classify.")
    candidate_labels: list[str] = Field(min_length=1, description="Labels to choose from.")
    multi_label: bool | None = Field(None, description="Labels are independent (not exclusive).")
    hypothesis_template: str | None = Field(
        None, description="Template with {} for the label, e.g. 'This text is about {}.'"
    )


class QuestionAnsweringInput(TaskInput):
    question: str = Field(min_length=1, description="The question.")
    context: str = Field(min_length=1, description="The text holding the answer.")
    top_k: int | None = Field(None, ge=1, description="Number of answers to return.")
    doc_stride: int | None = Field(None, ge=0, description="Overlap between context chunks.")
    max_answer_len: int | None = Field(None, ge=1, description="Longest answer in tokens.")
    max_seq_len: int | None = Field(None, ge=1, description="Longest chunk in tokens.")
    max_question_len: int | None = Field(None, ge=1, description="Longest question in tokens.")
    handle_impossible_answer: bool | None = Field(None, description="Allow an empty answer.")
    align_to_words: bool | None = Field(None, description="Align the span to whole words.")


class SummarizationInput(TaskInput):
    text: str = Field(min_length=1, description="The text to summarize.")
    clean_up_tokenization_spaces: bool | None = Field(None, description="Tidy spaces.")
    truncation: Truncation | None = Field(None, description="How to truncate long input.")
    generate_parameters: dict[str, Any] | None = Field(None, description=GENERATE_PARAMETERS)


class TranslationInput(TaskInput):
    text: str = Field(min_length=1, description="The text to translate.")
    src_lang: str | None = Field(None, description="Source language code, e.g. 'en_XX'.")
    tgt_lang: str | None = Field(None, validate_default=True, description="Target language code, e.g. 'fr_XX'.")
    clean_up_tokenization_spaces: bool | None = Field(None, description="Tidy spaces.")
    truncation: Truncation | None = Field(None, description="How to truncate long input.")
    generate_parameters: dict[str, Any] | None = Field(None, description=GENERATE_PARAMETERS)

    @field_validator("tgt_lang")
    @classmethod
    def _both_languages_or_neither(cls, value: str | None, info: ValidationInfo) -> str | None:
        # A field validator, not a model one, so the error names a field (agents act on it).
        if "src_lang" in info.data and (info.data["src_lang"] is None) != (value is None):
            raise ValueError("give both src_lang and tgt_lang, or neither")
        return value


class TokenClassificationInput(TaskInput):
    text: str = Field(min_length=1, description="The text to tag (e.g. named entities).")
    aggregation_strategy: Literal["none", "simple", "first", "average", "max"] | None = Field(
        None, description="How sub-word tokens are merged into entities."
    )
    ignore_labels: list[str] | None = Field(None, description="Labels to leave out.")
    stride: int | None = Field(None, ge=0, description="Overlap between chunks of long text.")


class FillMaskInput(TaskInput):
    text: str = Field(min_length=1, description="Text with a mask token, e.g. '[MASK]'.")
    targets: list[str] | None = Field(None, description="Only score these words.")
    top_k: int | None = Field(None, ge=1, description="Number of predictions.")


class SentenceSimilarityInput(TaskInput):
    sentence: str = Field(min_length=1, description="The sentence to compare.")
    other_sentences: list[str] = Field(min_length=1, description="Sentences to compare it with.")


class TableQuestionAnsweringInput(TaskInput):
    table: TextTable = Field(min_length=1, description="The table as {column name: [cell, ...]}, all cells strings.")
    query: str = Field(min_length=1, description="The question about the table.")
    padding: Literal["do_not_pad", "longest", "max_length"] | None = Field(None, description="Padding strategy.")
    sequential: bool | None = Field(None, description="Answer rows one by one.")
    truncation: bool | None = Field(None, description="Truncate a large table.")


def _generated_text(raw: Any) -> str:
    if isinstance(raw, list):
        raw = raw[0]
    text = raw if isinstance(raw, str) else raw["generated_text"] if isinstance(raw, dict) else raw.generated_text
    if not isinstance(text, str):
        raise TypeError(f"generated_text should be text, not {type(text).__name__}")
    return text


def _scores(raw: Any) -> list[float]:
    if not isinstance(raw, list):
        raise TypeError(f"expected a list of scores, got {type(raw).__name__}")
    for index, score in enumerate(raw):
        if not isinstance(score, (int, float)) or isinstance(score, bool):
            raise TypeError(f"score {index} should be a number, not {type(score).__name__}")
    return [float(s) for s in raw]


class OneScorePerSentence(AnswerHook):
    """A :class:`~hf_tools.tasks.spec.CallHook`: one score per compared sentence, each within the score's range.

    A sentence-similarity answer holds one cosine similarity per sentence in
    ``other_sentences``, so each lies within [-1, 1] (give or take float rounding, which real
    servers show as ``1.0000001``). Another count or a score outside the range is an
    :class:`~hf_tools.errors.HFResponseError` (never retried: the same request gets the same answer).

    Attributes:
        field: the input field whose items are scored, one score each.
        low: the smallest score the task defines.
        high: the largest score the task defines.

    Example:
        >>> from hf_tools import TASKS
        >>> spec = TASKS["sentence-similarity"]
        >>> call = spec.prepare(spec.coerce_input({"sentence": "a cat", "other_sentences": ["a cat", "a dog"]}))
        >>> call.finish([1.0000001, -0.2])
        [1.0000001, -0.2]
        >>> call.finish([1, 2, 3])
        Traceback (most recent call last):
        ...
        hf_tools.errors.HFResponseError: unexpected sentence-similarity response: 3 score(s) for 2 sentence(s)
        >>> call.finish([0.5, 1.7])
        Traceback (most recent call last):
        ...
        hf_tools.errors.HFResponseError: unexpected sentence-similarity response: score 1 is 1.7, outside [-1.0, 1.0]

    """

    TOLERANCE = 1e-3
    """How far past the range a score may lie (float rounding of a cosine) and still be accepted."""

    def __init__(self, field: str = "other_sentences", low: float = -1.0, high: float = 1.0) -> None:
        self.field = field
        self.low = low
        self.high = high

    def finisher(self, spec: TaskSpec, kwargs: dict[str, Any]) -> Callable[[Any], Any]:
        expected = len(kwargs[self.field])

        def check(scores: list[float]) -> list[float]:
            check_count(spec.name, scores, expected, "score", "sentence")
            for index, score in enumerate(scores):
                if not self.low - self.TOLERANCE <= score <= self.high + self.TOLERANCE:
                    raise HFResponseError(
                        f"unexpected {spec.name} response: score {index} is {score}, outside [{self.low}, {self.high}]"
                    )
            return scores

        return check


def register_text_tasks(registry: TaskRegistry) -> None:
    """Declare every text task in ``registry``."""
    registry.register(
        TaskSpec(
            name="text-generation",
            description="Continue a text prompt with a language model (completion, stories).",
            input_model=TextGenerationInput,
            output_type=str,
            method="text_generation",
            defaults=("Qwen/Qwen2.5-7B-Instruct", "meta-llama/Llama-3.1-8B-Instruct", "openai/gpt-oss-20b"),
            render=plain,
            normalize=_generated_text,
            streams=True,
            example={"prompt": "Once upon a time", "max_new_tokens": 6},
            via_chat=TEXT_GENERATION,
        )
    )
    registry.register(
        TaskSpec(
            name="text-classification",
            description="Classify a text (sentiment, topic, toxicity); returns labels with scores.",
            input_model=TextClassificationInput,
            output_type=list[TextClassificationOutputElement],
            method="text_classification",
            defaults=(
                "distilbert/distilbert-base-uncased-finetuned-sst-2-english",
                "cardiffnlp/twitter-roberta-base-sentiment-latest",
            ),
            render=labels,
            normalize=as_list,
            example={"text": "I love how simple this library is."},
        )
    )
    registry.register(
        TaskSpec(
            name="zero-shot-classification",
            description="Classify a text into labels you choose, with no training.",
            input_model=ZeroShotClassificationInput,
            output_type=list[ZeroShotClassificationOutputElement],
            method="zero_shot_classification",
            defaults=("facebook/bart-large-mnli", "MoritzLaurer/deberta-v3-large-zeroshot-v2.0"),
            render=labels,
            normalize=as_list,
            example={
                "text": "The match ended two all after extra time.",
                "candidate_labels": ["politics", "sport", "cooking"],
            },
        )
    )
    registry.register(
        TaskSpec(
            name="question-answering",
            description="Find the answer to a question as a span of a given context text.",
            input_model=QuestionAnsweringInput,
            output_type=list[QuestionAnsweringOutputElement],
            method="question_answering",
            defaults=("deepset/roberta-base-squad2", "distilbert/distilbert-base-cased-distilled-squad"),
            render=answers,
            normalize=as_list,
            example={"question": "Where does Ada live?", "context": "Ada lives in London."},
        )
    )
    registry.register(
        TaskSpec(
            name="summarization",
            description="Summarize a long text into a short one.",
            input_model=SummarizationInput,
            output_type=SummarizationOutput,
            method="summarization",
            defaults=("facebook/bart-large-cnn", "sshleifer/distilbart-cnn-12-6"),
            render=text_of("summary_text"),
            example={"text": "LangChain composes runnables. hf_tools turns Inference API tasks into them."},
        )
    )
    registry.register(
        TaskSpec(
            name="translation",
            description="Translate a text into another language.",
            input_model=TranslationInput,
            output_type=TranslationOutput,
            method="translation",
            defaults=("Helsinki-NLP/opus-mt-en-fr", "google-t5/t5-base"),
            render=text_of("translation_text"),
            example={"text": "Good morning", "src_lang": "en", "tgt_lang": "fr"},
        )
    )
    registry.register(
        TaskSpec(
            name="token-classification",
            description="Tag entities in a text (people, places, organizations...).",
            input_model=TokenClassificationInput,
            output_type=list[TokenClassificationOutputElement],
            method="token_classification",
            defaults=("dslim/bert-base-NER", "dbmdz/bert-large-cased-finetuned-conll03-english"),
            render=lambda out: (
                ", ".join(f"{e.word} ({e.entity_group or e.entity or '?'})" for e in out) or "no entities"
            ),
            normalize=as_list,
            example={"text": "Yesterday Ada met Alan in Paris."},
        )
    )
    registry.register(
        TaskSpec(
            name="fill-mask",
            description="Guess the word hidden behind the mask token in a text.",
            input_model=FillMaskInput,
            output_type=list[FillMaskOutputElement],
            method="fill_mask",
            defaults=("google-bert/bert-base-uncased", "distilbert/distilbert-base-uncased"),
            render=lambda out: ", ".join(f"{p.token_str} ({number(p.score)})" for p in out) or "no guesses",
            normalize=as_list,
            example={"text": "The capital of France is [MASK]."},
        )
    )
    registry.register(
        TaskSpec(
            name="sentence-similarity",
            description="Score how similar a sentence is to each of several others (0 to 1).",
            input_model=SentenceSimilarityInput,
            output_type=list[float],
            method="sentence_similarity",
            defaults=("sentence-transformers/all-MiniLM-L6-v2", "sentence-transformers/all-mpnet-base-v2"),
            render=lambda out: ", ".join(number(s, 3) for s in out) or "no scores",
            normalize=_scores,
            hook=OneScorePerSentence(),
            example={"sentence": "a cat sat on the mat", "other_sentences": ["a cat sat", "stock markets fell"]},
        )
    )
    registry.register(
        TaskSpec(
            name="table-question-answering",
            description="Answer a question about a table given as columns of string cells.",
            input_model=TableQuestionAnsweringInput,
            output_type=TableQuestionAnsweringOutputElement,
            method="table_question_answering",
            defaults=("google/tapas-base-finetuned-wtq", "google/tapas-large-finetuned-wtq"),
            render=pairs("answer", "aggregator"),
            example={
                "table": {"city": ["Paris", "Rome"], "country": ["France", "Italy"]},
                "query": "Which country is Rome in?",
            },
        )
    )
