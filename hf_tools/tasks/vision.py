"""Declarations of the image tasks: one ``register(TaskSpec(...))`` per task."""

from __future__ import annotations

from typing import Any, Literal

from huggingface_hub import (
    DocumentQuestionAnsweringOutputElement,
    ImageClassificationOutputElement,
    ImageToTextOutput,
    ObjectDetectionOutputElement,
    VisualQuestionAnsweringOutputElement,
    ZeroShotImageClassificationOutputElement,
)
from pydantic import BaseModel, Field

from hf_tools.media.artifacts import ImageArtifact
from hf_tools.media.hook import MediaHook, detections, keep_media
from hf_tools.media.results import Detections, Segment, segments
from hf_tools.media.source import ImageInput
from hf_tools.tasks.registry import TaskRegistry
from hf_tools.tasks.render import answers, as_list, labels, number, text_of
from hf_tools.tasks.spec import TaskInput, TaskSpec
from hf_tools.tasks.via_chat import vision

IMAGE = "The image: a file path (inside the allowed folders), an http(s) URL, a data URI or base64."
EXAMPLE_IMAGE = (
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAACAAAAAgCAIAAAD8GO2jAAAAWnRFWHRoZi10b29sczpvYmplY3RzAFt7ImxhYmVs"
    "IjogImNhdCIsICJib3giOiB7InhtaW4iOiA0LCAieW1pbiI6IDgsICJ4bWF4IjogMjgsICJ5bWF4IjogMjR9fV0Amur6AAAAUUlEQVR4nGPUcLvD"
    "QEvARFPTRy0YtYAqgAWZc2OXCrXMhWcvFjSJOxoalJuucuMGnD3042DUglELRi0YtWAwWIBeXCOXtFQBjKMNr1ELBr8FAF21Cq1ZGBvsAAAAAElF"
    "TkSuQmCC"
)
EXAMPLE_PAGE = (
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAADAAAAAYCAIAAAAzn+mLAAAAM3RFWHRoZi10b29sczpwYWdlLXRleHQASW52b2lj"
    "ZSA3LiBUb3RhbCBkdWU6IDMwMCBldXJvcy66qj2DAAACcklEQVR4nO2Vv0sycRzHP5eZNqTzN9vEwUFcJAvvCqTTsBpclFoksajFP0EcHaQcC4Rs"
    "bTrESREaxKWGqwSTagruiOgU7TMoms9wPPfcI5nR8jzDvab39/P9/Hh/uQ8chYjwPzH1rw2MohmahGZoEtMjZ0KIKIo/aFSv1yuVyt7e3jfzI5HI"
    "y8sLAPR6vYeHh+fn588N/Ri73W6327+ff35+LotcLqe4gS8+GSEkmUz6/X63253P5wFgaWlJEAQA6Ha7TqdTFMVgMOjz+YLBoPxWQggAvL29bW9v"
    "r6+vb21tvb6+tlqtaDS6sbHh8/mur69HpgyHw9PT04ODgz8h/BuTySSL2dnZVCqFiLVabWFhARETiUQmk0FEjuMODw9DoVA2m0XEbDYbDoeV2p2d"
    "nbOzM0Q8OTmJxWKRSOTy8hIR7+/vHQ7HyLiLi4vd3V11ZKwhg8EgCIKs5+bmEJHn+bW1NUTc398vlUqEEEmSEFGSJEKIUjs/P99sNhGx3W6LomixW"
    "JjfWK3WdrutHkfTNM/z6sjYHdLr9WazWdYURQGAzWaTJKnT6dzc3BwdHQ2Hw08LB4OBfKXT6UwmU7/f5zjOaDR+fHxUq1WdTqdkXl1dmc1mm82mLh"
    "+7Q1NTn1xtbm6m02mXy0VR1MrKCsdxAMBxHMMwSo7L5SoUCgCQy+USicTy8rK8gsViMZ1Oq7sdHx/H43Hl+P7+DjB+hxSh1jzPz8zMlMtlRHx8fG"
    "RZ1uPxsCz79PSkpN3d3TEMQ9N0IBAQBKHRaLAsS9P06upqrVZTet7e3i4uLqpHe71eRKRQ+9t/jWZoEpqhSWiGJqEZmsQvxSyz8j3o2nEAAAAASUVO"
    "RK5CYII="
)


class TextToImageInput(TaskInput):
    prompt: str = Field(min_length=1, description="What the image should show.")
    negative_prompt: str | None = Field(None, description="What the image should not show.")
    height: int | None = Field(None, ge=16, le=4096, description="Height in pixels.")
    width: int | None = Field(None, ge=16, le=4096, description="Width in pixels.")
    num_inference_steps: int | None = Field(None, ge=1, description="Denoising steps (more: better, slower).")
    guidance_scale: float | None = Field(None, ge=0, description="How closely to follow the prompt.")
    scheduler: str | None = Field(None, description="Scheduler to use instead of the model's default.")
    seed: int | None = Field(None, description="Random seed, for reproducible images.")


class TargetSize(BaseModel):
    width: int = Field(ge=1, le=4096, description="Width in pixels.")
    height: int = Field(ge=1, le=4096, description="Height in pixels.")


class ImageToImageInput(TaskInput):
    image: ImageInput = Field(description=IMAGE)
    prompt: str | None = Field(None, description="How to change the image.")
    negative_prompt: str | None = Field(None, description="What the result should not show.")
    num_inference_steps: int | None = Field(None, ge=1, description="Denoising steps.")
    guidance_scale: float | None = Field(None, ge=0, description="How closely to follow the prompt.")
    target_size: TargetSize | None = Field(None, description="Size of the output image.")


class ObjectDetectionInput(TaskInput):
    image: ImageInput = Field(description=IMAGE)
    threshold: float | None = Field(None, ge=0, le=1, description="Only objects scored at least this.")


class ImageClassificationInput(TaskInput):
    image: ImageInput = Field(description=IMAGE)
    function_to_apply: Literal["sigmoid", "softmax", "none"] | None = Field(
        None, description="How scores are computed from logits."
    )
    top_k: int | None = Field(None, ge=1, description="Return only the k likeliest labels.")


class ZeroShotImageClassificationInput(TaskInput):
    image: ImageInput = Field(description=IMAGE)
    candidate_labels: list[str] = Field(min_length=2, description="At least two labels to choose from.")
    hypothesis_template: str | None = Field(None, description="Template with {} for the label.")


class ImageSegmentationInput(TaskInput):
    image: ImageInput = Field(description=IMAGE)
    mask_threshold: float | None = Field(None, ge=0, le=1, description="Threshold to binarize the masks.")
    overlap_mask_area_threshold: float | None = Field(
        None, ge=0, le=1, description="Merge or drop small disconnected parts of a mask."
    )
    subtask: Literal["instance", "panoptic", "semantic"] | None = Field(None, description="Segmentation kind.")
    threshold: float | None = Field(None, ge=0, le=1, description="Drop segments scored below this.")


class ImageToTextInput(TaskInput):
    image: ImageInput = Field(description=IMAGE)


class VisualQuestionAnsweringInput(TaskInput):
    image: ImageInput = Field(description=IMAGE)
    question: str = Field(min_length=1, description="The question about the image.")
    top_k: int | None = Field(None, ge=1, description="Number of answers to return.")


class DocumentQuestionAnsweringInput(TaskInput):
    image: ImageInput = Field(description="The document page as an image. " + IMAGE)
    question: str = Field(min_length=1, description="The question about the document.")
    doc_stride: int | None = Field(None, ge=0, description="Overlap between chunks of a long page.")
    handle_impossible_answer: bool | None = Field(None, description="Allow 'no answer'.")
    lang: str | None = Field(None, description="Language for the OCR, e.g. 'eng'.")
    max_answer_len: int | None = Field(None, ge=1, description="Longest answer in tokens.")
    max_question_len: int | None = Field(None, ge=1, description="Longest question in tokens.")
    max_seq_len: int | None = Field(None, ge=1, description="Longest chunk in tokens.")
    top_k: int | None = Field(None, ge=1, description="Number of answers to return.")
    word_boxes: list[list[float] | str] | None = Field(
        None, description="Words with boxes, to skip OCR: each a word or [x0, y0, x1, y1]."
    )


def _generated(output: ImageArtifact) -> str:
    return "generated " + output.describe()


def _segments(out: list[Segment]) -> str:
    found = ", ".join(f"{s.label} ({number(s.score)}, mask {s.mask.width}x{s.mask.height})" for s in out)
    return found or "no segments"


def _image_artifact(raw: Any) -> ImageArtifact:
    """The generated image; bytes that are not an image the server sent are a response error."""
    if not isinstance(raw, (bytes, bytearray)):
        return ImageArtifact.from_pil(raw)
    from PIL import Image

    try:
        return ImageArtifact.from_bytes(bytes(raw))
    except (OSError, Image.DecompressionBombError) as exc:  # UnidentifiedImageError is an OSError
        raise ValueError(f"the answer is not an image ({len(raw)} bytes): {exc}") from exc


IMAGE_IN = MediaHook(inputs={"image": "image"})


def register_vision_tasks(registry: TaskRegistry) -> None:
    """Declare every image task in ``registry``."""
    registry.register(
        TaskSpec(
            name="text-to-image",
            description="Generate an image from a text prompt (e.g. Stable Diffusion).",
            input_model=TextToImageInput,
            output_type=ImageArtifact,
            method="text_to_image",
            defaults=(
                "black-forest-labs/FLUX.1-schnell",
                "stabilityai/stable-diffusion-3-medium-diffusers",
                "black-forest-labs/FLUX.1-dev",
                "stabilityai/stable-diffusion-xl-base-1.0",
            ),
            render=_generated,
            normalize=_image_artifact,
            example={"prompt": "a cat and a dog in a green garden", "width": 128, "height": 96},
            hook=MediaHook(after=keep_media),
            raw_bytes=True,
        )
    )
    registry.register(
        TaskSpec(
            name="image-to-image",
            description="Transform an image following a prompt (edit, restyle, resize).",
            input_model=ImageToImageInput,
            output_type=ImageArtifact,
            method="image_to_image",
            defaults=("black-forest-labs/FLUX.1-Kontext-dev", "timbrooks/instruct-pix2pix"),
            render=_generated,
            normalize=_image_artifact,
            example={"image": EXAMPLE_IMAGE, "prompt": "make it look like night"},
            hook=MediaHook(inputs={"image": "image"}, after=keep_media),
            raw_bytes=True,
        )
    )
    registry.register(
        TaskSpec(
            name="object-detection",
            description="Find objects in an image; returns labels, scores and boxes.",
            input_model=ObjectDetectionInput,
            output_type=Detections,
            method="object_detection",
            defaults=("facebook/detr-resnet-50", "hustvl/yolos-tiny"),
            render=lambda out: out.describe(),
            normalize=lambda raw: [ObjectDetectionOutputElement.parse_obj_as_instance(dict(o)) for o in raw],
            example={"image": EXAMPLE_IMAGE, "threshold": 0.5},
            hook=MediaHook(inputs={"image": "image"}, after=detections),
        )
    )
    registry.register(
        TaskSpec(
            name="image-classification",
            description="Classify an image; returns labels with scores.",
            input_model=ImageClassificationInput,
            output_type=list[ImageClassificationOutputElement],
            method="image_classification",
            defaults=("google/vit-base-patch16-224", "microsoft/resnet-50"),
            render=labels,
            normalize=as_list,
            example={"image": EXAMPLE_IMAGE, "top_k": 3},
            hook=IMAGE_IN,
        )
    )
    registry.register(
        TaskSpec(
            name="zero-shot-image-classification",
            description="Classify an image into labels you choose, with no training.",
            input_model=ZeroShotImageClassificationInput,
            output_type=list[ZeroShotImageClassificationOutputElement],
            method="zero_shot_image_classification",
            defaults=("openai/clip-vit-large-patch14", "openai/clip-vit-base-patch32"),
            render=labels,
            normalize=as_list,
            example={"image": EXAMPLE_IMAGE, "candidate_labels": ["a cat", "a car", "a tree"]},
            hook=IMAGE_IN,
        )
    )
    registry.register(
        TaskSpec(
            name="image-segmentation",
            description="Split an image into labelled segments; each mask is an image.",
            input_model=ImageSegmentationInput,
            output_type=list[Segment],
            method="image_segmentation",
            defaults=("nvidia/segformer-b0-finetuned-ade-512-512", "facebook/mask2former-swin-large-coco-panoptic"),
            render=_segments,
            normalize=segments,
            example={"image": EXAMPLE_IMAGE},
            hook=IMAGE_IN,
        )
    )
    registry.register(
        TaskSpec(
            name="image-to-text",
            description="Describe an image in a sentence (captioning).",
            input_model=ImageToTextInput,
            output_type=ImageToTextOutput,
            method="image_to_text",
            defaults=("Salesforce/blip-image-captioning-large",),
            render=text_of("generated_text"),
            example={"image": EXAMPLE_IMAGE},
            hook=IMAGE_IN,
            via_chat=vision("image-to-text"),
        )
    )
    registry.register(
        TaskSpec(
            name="visual-question-answering",
            description="Answer a question about an image.",
            input_model=VisualQuestionAnsweringInput,
            output_type=list[VisualQuestionAnsweringOutputElement],
            method="visual_question_answering",
            defaults=("dandelin/vilt-b32-finetuned-vqa",),
            render=answers,
            normalize=as_list,
            example={"image": EXAMPLE_IMAGE, "question": "What color is the picture?"},
            hook=IMAGE_IN,
            via_chat=vision("visual-question-answering"),
        )
    )
    registry.register(
        TaskSpec(
            name="document-question-answering",
            description="Answer a question about a document page given as an image (a scan, a photo).",
            input_model=DocumentQuestionAnsweringInput,
            output_type=list[DocumentQuestionAnsweringOutputElement],
            method="document_question_answering",
            defaults=("impira/layoutlm-document-qa",),
            render=answers,
            normalize=as_list,
            example={"image": EXAMPLE_PAGE, "question": "What is the total due?"},
            hook=IMAGE_IN,
            via_chat=vision("document-question-answering"),
        )
    )
