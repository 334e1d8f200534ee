"""Keep a conversation's images within a provider's per-request limits.

The model agent already keeps only its newest images (`max_images_in_history`). The clients
call `fit_images` as a last guard, because a provider rejects a request outright when it
carries too many images or too many bytes, and the task would then end as a harness error.
"""

from __future__ import annotations

import logging

from pix2fact.models.base import Message, ToolResultsMessage, UserMessage, prune_images

logger = logging.getLogger(__name__)

# Share of the request-size limit that images may take; the rest is left for text and JSON.
IMAGE_SHARE_OF_REQUEST = 0.9


def count_images(messages: list[Message]) -> int:
    """Return the number of images in user messages and tool results."""
    return sum(len(images) for images in _image_lists(messages))


def encoded_image_bytes(messages: list[Message]) -> int:
    """Return the size of all images once base64-encoded, as they travel in a JSON request."""
    return sum((len(image.data) + 2) // 3 * 4 for images in _image_lists(messages) for image in images)


def fit_images(messages: list[Message], *, max_images: int, max_request_bytes: int) -> list[Message]:
    """Return `messages` with older images replaced by notes until the request limits hold.

    Args:
        messages: the conversation; it is not modified.
        max_images: images the provider accepts in one request.
        max_request_bytes: the provider's request-size limit; images may use
            `IMAGE_SHARE_OF_REQUEST` of it once base64-encoded.
    """
    total = count_images(messages)
    keep = min(total, max_images)
    budget = int(max_request_bytes * IMAGE_SHARE_OF_REQUEST)
    fitted = prune_images(messages, keep) if keep < total else messages

    while keep > 0 and encoded_image_bytes(fitted) > budget:
        keep -= 1
        fitted = prune_images(messages, keep)

    if keep < total:
        logger.debug("kept the newest %d of %d images to fit the request limits", keep, total)
    return fitted


def _image_lists(messages: list[Message]):
    for message in messages:
        if isinstance(message, UserMessage):
            yield message.images
        elif isinstance(message, ToolResultsMessage):
            for outcome in message.outcomes:
                yield outcome.result.images
