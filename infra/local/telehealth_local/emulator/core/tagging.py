"""TagResource, UntagResource and ListTagsForResource as the Chime SDK services share them."""
from __future__ import annotations

import threading
from typing import Any

from ..errors import AwsServiceError

MAX_TAGS = 50


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
            merged = {**tags, **{tag["Key"]: tag["Value"] for tag in Tags}}
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
            return {"Tags": [{"Key": k, "Value": v} for k, v in self._tags_of(ResourceARN).items()]}
