"""What the loopback server answers for each task: plausible bodies in the exact wire shape.

``ANSWERS`` maps every registered task name to a function from the JSON body a client sent
to a response body. The answers are deterministic functions of the request, so a test can
tell that its input reached the server; images and audio are real PNG and WAV bytes. These
fakes live here, not in the task registry, so production code never loads them.

Example:
    >>> from hf_tools.testing.answers import ANSWERS
    >>> ANSWERS["summarization"]({"inputs": "Cats sleep. They eat."})
    [{'summary_text': 'Cats sleep.'}]

"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from hf_tools.testing.answers import media, tabular, text
from hf_tools.testing.answers.embedding import feature_extraction
from hf_tools.testing.answers.media import png_bytes, wav_bytes

__all__ = ["ANSWERS", "Answer", "png_bytes", "wav_bytes"]

Answer = Callable[[dict[str, Any]], Any]
"""A request body in, a response body out (JSON-able, or ``bytes`` for media)."""

ANSWERS: Mapping[str, Answer] = {
    "text-generation": text.text_generation,
    "text-classification": text.text_classification,
    "zero-shot-classification": text.zero_shot_classification,
    "question-answering": text.question_answering,
    "summarization": text.summarization,
    "translation": text.translation,
    "token-classification": text.token_classification,
    "fill-mask": text.fill_mask,
    "sentence-similarity": text.sentence_similarity,
    "table-question-answering": text.table_question_answering,
    "text-to-image": media.text_to_image,
    "image-to-image": media.image_to_image,
    "object-detection": media.object_detection,
    "image-classification": media.image_classification,
    "zero-shot-image-classification": media.zero_shot_image_classification,
    "image-segmentation": media.image_segmentation,
    "image-to-text": media.image_to_text,
    "visual-question-answering": media.visual_question_answering,
    "document-question-answering": media.document_question_answering,
    "text-to-speech": media.text_to_speech,
    "text-to-video": media.text_to_video,
    "image-to-video": media.image_to_video,
    "automatic-speech-recognition": media.automatic_speech_recognition,
    "audio-classification": media.audio_classification,
    "audio-to-audio": media.audio_to_audio,
    "feature-extraction": feature_extraction,
    "tabular-classification": tabular.tabular_classification,
    "tabular-regression": tabular.tabular_regression,
}
