import datetime

from checkpointd.v1 import checkpoint_pb2 as _checkpoint_pb2
from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class WatchEvent(_message.Message):
    __slots__ = ("thread_id", "event_id", "ts", "checkpoint_saved", "writes_saved", "interrupted", "resume_requested", "resume_claimed", "thread_deleted", "heartbeat", "error", "lease_acquired", "lease_released", "lease_expired", "checkpoints_pruned")
    THREAD_ID_FIELD_NUMBER: _ClassVar[int]
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    TS_FIELD_NUMBER: _ClassVar[int]
    CHECKPOINT_SAVED_FIELD_NUMBER: _ClassVar[int]
    WRITES_SAVED_FIELD_NUMBER: _ClassVar[int]
    INTERRUPTED_FIELD_NUMBER: _ClassVar[int]
    RESUME_REQUESTED_FIELD_NUMBER: _ClassVar[int]
    RESUME_CLAIMED_FIELD_NUMBER: _ClassVar[int]
    THREAD_DELETED_FIELD_NUMBER: _ClassVar[int]
    HEARTBEAT_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    LEASE_ACQUIRED_FIELD_NUMBER: _ClassVar[int]
    LEASE_RELEASED_FIELD_NUMBER: _ClassVar[int]
    LEASE_EXPIRED_FIELD_NUMBER: _ClassVar[int]
    CHECKPOINTS_PRUNED_FIELD_NUMBER: _ClassVar[int]
    thread_id: str
    event_id: int
    ts: str
    checkpoint_saved: CheckpointSaved
    writes_saved: WritesSaved
    interrupted: Interrupted
    resume_requested: ResumeRequested
    resume_claimed: ResumeClaimed
    thread_deleted: ThreadDeleted
    heartbeat: Heartbeat
    error: WatchError
    lease_acquired: LeaseAcquired
    lease_released: LeaseReleased
    lease_expired: LeaseExpired
    checkpoints_pruned: CheckpointsPruned
    def __init__(self, thread_id: _Optional[str] = ..., event_id: _Optional[int] = ..., ts: _Optional[str] = ..., checkpoint_saved: _Optional[_Union[CheckpointSaved, _Mapping]] = ..., writes_saved: _Optional[_Union[WritesSaved, _Mapping]] = ..., interrupted: _Optional[_Union[Interrupted, _Mapping]] = ..., resume_requested: _Optional[_Union[ResumeRequested, _Mapping]] = ..., resume_claimed: _Optional[_Union[ResumeClaimed, _Mapping]] = ..., thread_deleted: _Optional[_Union[ThreadDeleted, _Mapping]] = ..., heartbeat: _Optional[_Union[Heartbeat, _Mapping]] = ..., error: _Optional[_Union[WatchError, _Mapping]] = ..., lease_acquired: _Optional[_Union[LeaseAcquired, _Mapping]] = ..., lease_released: _Optional[_Union[LeaseReleased, _Mapping]] = ..., lease_expired: _Optional[_Union[LeaseExpired, _Mapping]] = ..., checkpoints_pruned: _Optional[_Union[CheckpointsPruned, _Mapping]] = ...) -> None: ...

class CheckpointSaved(_message.Message):
    __slots__ = ("config", "metadata", "parent_config")
    CONFIG_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    PARENT_CONFIG_FIELD_NUMBER: _ClassVar[int]
    config: _checkpoint_pb2.CheckpointConfig
    metadata: _struct_pb2.Struct
    parent_config: _checkpoint_pb2.CheckpointConfig
    def __init__(self, config: _Optional[_Union[_checkpoint_pb2.CheckpointConfig, _Mapping]] = ..., metadata: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., parent_config: _Optional[_Union[_checkpoint_pb2.CheckpointConfig, _Mapping]] = ...) -> None: ...

class WritesSaved(_message.Message):
    __slots__ = ("config", "task_id", "task_path", "channels")
    CONFIG_FIELD_NUMBER: _ClassVar[int]
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    TASK_PATH_FIELD_NUMBER: _ClassVar[int]
    CHANNELS_FIELD_NUMBER: _ClassVar[int]
    config: _checkpoint_pb2.CheckpointConfig
    task_id: str
    task_path: str
    channels: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, config: _Optional[_Union[_checkpoint_pb2.CheckpointConfig, _Mapping]] = ..., task_id: _Optional[str] = ..., task_path: _Optional[str] = ..., channels: _Optional[_Iterable[str]] = ...) -> None: ...

class Interrupted(_message.Message):
    __slots__ = ("config", "task_id", "task_path", "value")
    CONFIG_FIELD_NUMBER: _ClassVar[int]
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    TASK_PATH_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    config: _checkpoint_pb2.CheckpointConfig
    task_id: str
    task_path: str
    value: _checkpoint_pb2.TypedValue
    def __init__(self, config: _Optional[_Union[_checkpoint_pb2.CheckpointConfig, _Mapping]] = ..., task_id: _Optional[str] = ..., task_path: _Optional[str] = ..., value: _Optional[_Union[_checkpoint_pb2.TypedValue, _Mapping]] = ...) -> None: ...

class ResumeRequested(_message.Message):
    __slots__ = ("resume_id", "checkpoint_ns", "values")
    class ValuesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: _checkpoint_pb2.TypedValue
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[_checkpoint_pb2.TypedValue, _Mapping]] = ...) -> None: ...
    RESUME_ID_FIELD_NUMBER: _ClassVar[int]
    CHECKPOINT_NS_FIELD_NUMBER: _ClassVar[int]
    VALUES_FIELD_NUMBER: _ClassVar[int]
    resume_id: str
    checkpoint_ns: str
    values: _containers.MessageMap[str, _checkpoint_pb2.TypedValue]
    def __init__(self, resume_id: _Optional[str] = ..., checkpoint_ns: _Optional[str] = ..., values: _Optional[_Mapping[str, _checkpoint_pb2.TypedValue]] = ...) -> None: ...

class ResumeClaimed(_message.Message):
    __slots__ = ("resume_id", "worker_id")
    RESUME_ID_FIELD_NUMBER: _ClassVar[int]
    WORKER_ID_FIELD_NUMBER: _ClassVar[int]
    resume_id: str
    worker_id: str
    def __init__(self, resume_id: _Optional[str] = ..., worker_id: _Optional[str] = ...) -> None: ...

class ThreadDeleted(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class Heartbeat(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class WatchError(_message.Message):
    __slots__ = ("code", "message", "compacted_through")
    CODE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    COMPACTED_THROUGH_FIELD_NUMBER: _ClassVar[int]
    code: int
    message: str
    compacted_through: int
    def __init__(self, code: _Optional[int] = ..., message: _Optional[str] = ..., compacted_through: _Optional[int] = ...) -> None: ...

class CheckpointsPruned(_message.Message):
    __slots__ = ("checkpoint_ns", "before_checkpoint_id", "count")
    CHECKPOINT_NS_FIELD_NUMBER: _ClassVar[int]
    BEFORE_CHECKPOINT_ID_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    checkpoint_ns: str
    before_checkpoint_id: str
    count: int
    def __init__(self, checkpoint_ns: _Optional[str] = ..., before_checkpoint_id: _Optional[str] = ..., count: _Optional[int] = ...) -> None: ...

class LeaseAcquired(_message.Message):
    __slots__ = ("lease_id", "holder", "fencing_token", "expires_at")
    LEASE_ID_FIELD_NUMBER: _ClassVar[int]
    HOLDER_FIELD_NUMBER: _ClassVar[int]
    FENCING_TOKEN_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    lease_id: str
    holder: str
    fencing_token: int
    expires_at: _timestamp_pb2.Timestamp
    def __init__(self, lease_id: _Optional[str] = ..., holder: _Optional[str] = ..., fencing_token: _Optional[int] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class LeaseReleased(_message.Message):
    __slots__ = ("lease_id", "holder", "fencing_token")
    LEASE_ID_FIELD_NUMBER: _ClassVar[int]
    HOLDER_FIELD_NUMBER: _ClassVar[int]
    FENCING_TOKEN_FIELD_NUMBER: _ClassVar[int]
    lease_id: str
    holder: str
    fencing_token: int
    def __init__(self, lease_id: _Optional[str] = ..., holder: _Optional[str] = ..., fencing_token: _Optional[int] = ...) -> None: ...

class LeaseExpired(_message.Message):
    __slots__ = ("lease_id", "holder", "fencing_token", "expires_at")
    LEASE_ID_FIELD_NUMBER: _ClassVar[int]
    HOLDER_FIELD_NUMBER: _ClassVar[int]
    FENCING_TOKEN_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    lease_id: str
    holder: str
    fencing_token: int
    expires_at: _timestamp_pb2.Timestamp
    def __init__(self, lease_id: _Optional[str] = ..., holder: _Optional[str] = ..., fencing_token: _Optional[int] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
