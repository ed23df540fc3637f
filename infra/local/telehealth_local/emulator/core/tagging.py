"""TagResource, UntagResource and ListTagsForResource as the Chime SDK services share them, and the tag list/dict forms every service uses."""
from __future__ import annotations

import threading
from typing import Any

from ..errors import AwsServiceError

MAX_TAGS = 50


def tag_dict(tags: list[dict[str, str]] | None) -> dict[str, str]:
    """A request's Tags list ([{"Key", "Value"}]) as a dict."""
    return {tag["Key"]: tag["Value"] for tag in tags or ()}


def tag_list(tags: dict[str, str]) -> list[dict[str, str]]:
    """A tag dict as the APIs return it ([{"Key", "Value"}])."""
    return [{"Key": k, "Value": v} for k, v in tags.items()]


class ChimeTagging:
    """Mixin for a Chime SDK backend. The backend supplies `_tags_of(arn)` (the resource's
    mutable tag dict, raising its service's NotFound), `_tags_lock` and `_too_many_tags(arn)`."""

    _tags_lock: threading.Lock | threading.RLock

    def _tags_of(self, arn: str) -> dict[str, str]:
        raise NotImplementedError

    def _too_many_tags(self, arn: str) -> AwsServiceError:
        raise NotImplementedError

    def tag_resource(self, ResourceARN: str, Tags: list[dict[str, str]]) -> None:
        with self._tags_lock:
            tags = self._tags_of(ResourceARN)
            merged = {**tags, **tag_dict(Tags)}
            if len(merged) > MAX_TAGS:
                raise self._too_many_tags(ResourceARN)
            tags.clear()
            tags.update(merged)

    def untag_resource(self, ResourceARN: str, TagKeys: list[str]) -> None:
        with self._tags_lock:
            tags = self._tags_of(ResourceARN)
            for key in TagKeys:
                tags.pop(key, None)

    def list_tags_for_resource(self, ResourceARN: str) -> dict[str, Any]:
        with self._tags_lock:
            return {"Tags": tag_list(self._tags_of(ResourceARN))}
