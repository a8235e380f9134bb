"""The LangGraph checkpoint saver backed by checkpointd."""

from .channel_version_codec import decode_channel_version, encode_channel_version
from .checkpointd_saver import CheckpointdSaver
from .thread_leases import SingleWriter

__all__ = ["CheckpointdSaver", "SingleWriter", "decode_channel_version", "encode_channel_version"]
