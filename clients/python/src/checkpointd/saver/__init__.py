"""The LangGraph checkpoint saver backed by checkpointd."""

from .channel_version_codec import decode_channel_version, encode_channel_version
from .checkpointd_saver import CheckpointdSaver

__all__ = ["CheckpointdSaver", "decode_channel_version", "encode_channel_version"]
