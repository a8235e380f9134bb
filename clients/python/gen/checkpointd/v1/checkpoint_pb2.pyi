from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CheckpointConfig(_message.Message):
    __slots__ = ("thread_id", "checkpoint_ns", "checkpoint_id")
    THREAD_ID_FIELD_NUMBER: _ClassVar[int]
    CHECKPOINT_NS_FIELD_NUMBER: _ClassVar[int]
    CHECKPOINT_ID_FIELD_NUMBER: _ClassVar[int]
    thread_id: str
    checkpoint_ns: str
    checkpoint_id: str
    def __init__(self, thread_id: _Optional[str] = ..., checkpoint_ns: _Optional[str] = ..., checkpoint_id: _Optional[str] = ...) -> None: ...

class TypedValue(_message.Message):
    __slots__ = ("type", "data")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    type: str
    data: bytes
    def __init__(self, type: _Optional[str] = ..., data: _Optional[bytes] = ...) -> None: ...

class ChannelVersion(_message.Message):
    __slots__ = ("int_value", "float_value", "string_value")
    INT_VALUE_FIELD_NUMBER: _ClassVar[int]
    FLOAT_VALUE_FIELD_NUMBER: _ClassVar[int]
    STRING_VALUE_FIELD_NUMBER: _ClassVar[int]
    int_value: int
    float_value: float
    string_value: str
    def __init__(self, int_value: _Optional[int] = ..., float_value: _Optional[float] = ..., string_value: _Optional[str] = ...) -> None: ...

class ChannelVersions(_message.Message):
    __slots__ = ("versions",)
    class VersionsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: ChannelVersion
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[ChannelVersion, _Mapping]] = ...) -> None: ...
    VERSIONS_FIELD_NUMBER: _ClassVar[int]
    versions: _containers.MessageMap[str, ChannelVersion]
    def __init__(self, versions: _Optional[_Mapping[str, ChannelVersion]] = ...) -> None: ...

class Checkpoint(_message.Message):
    __slots__ = ("v", "id", "ts", "channel_values", "channel_versions", "versions_seen", "updated_channels", "pending_sends", "extra")
    class ChannelValuesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: TypedValue
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[TypedValue, _Mapping]] = ...) -> None: ...
    class ChannelVersionsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: ChannelVersion
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[ChannelVersion, _Mapping]] = ...) -> None: ...
    class VersionsSeenEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: ChannelVersions
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[ChannelVersions, _Mapping]] = ...) -> None: ...
    class ExtraEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: TypedValue
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[TypedValue, _Mapping]] = ...) -> None: ...
    V_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    TS_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_VALUES_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_VERSIONS_FIELD_NUMBER: _ClassVar[int]
    VERSIONS_SEEN_FIELD_NUMBER: _ClassVar[int]
    UPDATED_CHANNELS_FIELD_NUMBER: _ClassVar[int]
    PENDING_SENDS_FIELD_NUMBER: _ClassVar[int]
    EXTRA_FIELD_NUMBER: _ClassVar[int]
    v: int
    id: str
    ts: str
    channel_values: _containers.MessageMap[str, TypedValue]
    channel_versions: _containers.MessageMap[str, ChannelVersion]
    versions_seen: _containers.MessageMap[str, ChannelVersions]
    updated_channels: _containers.RepeatedScalarFieldContainer[str]
    pending_sends: _containers.RepeatedCompositeFieldContainer[TypedValue]
    extra: _containers.MessageMap[str, TypedValue]
    def __init__(self, v: _Optional[int] = ..., id: _Optional[str] = ..., ts: _Optional[str] = ..., channel_values: _Optional[_Mapping[str, TypedValue]] = ..., channel_versions: _Optional[_Mapping[str, ChannelVersion]] = ..., versions_seen: _Optional[_Mapping[str, ChannelVersions]] = ..., updated_channels: _Optional[_Iterable[str]] = ..., pending_sends: _Optional[_Iterable[_Union[TypedValue, _Mapping]]] = ..., extra: _Optional[_Mapping[str, TypedValue]] = ...) -> None: ...

class PendingWrite(_message.Message):
    __slots__ = ("task_id", "channel", "value", "task_path")
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    TASK_PATH_FIELD_NUMBER: _ClassVar[int]
    task_id: str
    channel: str
    value: TypedValue
    task_path: str
    def __init__(self, task_id: _Optional[str] = ..., channel: _Optional[str] = ..., value: _Optional[_Union[TypedValue, _Mapping]] = ..., task_path: _Optional[str] = ...) -> None: ...

class CheckpointTuple(_message.Message):
    __slots__ = ("config", "checkpoint", "metadata", "parent_config", "pending_writes")
    CONFIG_FIELD_NUMBER: _ClassVar[int]
    CHECKPOINT_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    PARENT_CONFIG_FIELD_NUMBER: _ClassVar[int]
    PENDING_WRITES_FIELD_NUMBER: _ClassVar[int]
    config: CheckpointConfig
    checkpoint: Checkpoint
    metadata: _struct_pb2.Struct
    parent_config: CheckpointConfig
    pending_writes: _containers.RepeatedCompositeFieldContainer[PendingWrite]
    def __init__(self, config: _Optional[_Union[CheckpointConfig, _Mapping]] = ..., checkpoint: _Optional[_Union[Checkpoint, _Mapping]] = ..., metadata: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., parent_config: _Optional[_Union[CheckpointConfig, _Mapping]] = ..., pending_writes: _Optional[_Iterable[_Union[PendingWrite, _Mapping]]] = ...) -> None: ...
