/**
 * The TensorBoard messages this importer reads, written as protobuf definitions of only the fields it uses
 * (the field numbers are those of TensorFlow's event, summary and tensor messages and of TensorBoard's hparams
 * plugin), and decoded by protobufjs. Fields not listed here are skipped by the decoder as unknown fields.
 * See docs/tensorboard.md#event-files.
 *
 * The definitions use proto2 `optional` fields, which keep presence: a value of 0 that was written is told
 * from one that was not (proto3 drops that for plain fields). The `oneof` groups of the original messages
 * are written as plain fields: protobufjs records a decoded oneof through a setter that deletes the other
 * fields from the message, which puts every message into V8's slow dictionary mode. Which field is set is
 * read with `has()` (decoded fields are own properties; defaults live on the prototype).
 */
import protobuf from 'protobufjs';

const SCHEMA = `
syntax = "proto2";
package kobo.tb;

message Event {
  optional double wall_time = 1;
  optional int64 step = 2;
  optional string file_version = 3;
  optional bytes graph_def = 4;
  optional Summary summary = 5;
  optional bytes log_message = 6;
  optional SessionLog session_log = 7;
  optional TaggedRunMetadata tagged_run_metadata = 8;
  optional bytes meta_graph_def = 9;
}

message SessionLog {
  optional int32 status = 1;
}

message TaggedRunMetadata {
  optional string tag = 1;
}

message Summary {
  message Image {
    optional int32 height = 1;
    optional int32 width = 2;
    optional int32 colorspace = 3;
    optional bytes encoded_image_string = 4;
  }
  message Audio {
    optional float sample_rate = 1;
    optional int64 num_channels = 2;
    optional int64 length_frames = 3;
    optional bytes encoded_audio_string = 4;
    optional string content_type = 5;
  }
  message Value {
    optional string tag = 1;
    optional string node_name = 7;
    optional SummaryMetadata metadata = 9;
    optional float simple_value = 2;
    optional bytes obsolete_old_style_histogram = 3;
    optional Image image = 4;
    optional HistogramProto histo = 5;
    optional Audio audio = 6;
    optional TensorProto tensor = 8;
  }
  repeated Value value = 1;
}

message SummaryMetadata {
  message PluginData {
    optional string plugin_name = 1;
    optional bytes content = 2;
  }
  optional PluginData plugin_data = 1;
  optional string display_name = 2;
  optional string summary_description = 3;
  optional int32 data_class = 4;
}

message HistogramProto {
  optional double min = 1;
  optional double max = 2;
  optional double num = 3;
  optional double sum = 4;
  optional double sum_squares = 5;
  repeated double bucket_limit = 6 [packed = true];
  repeated double bucket = 7 [packed = true];
}

message TensorShapeProto {
  message Dim {
    optional int64 size = 1;
  }
  repeated Dim dim = 2;
}

message TensorProto {
  optional int32 dtype = 1;
  optional TensorShapeProto tensor_shape = 2;
  optional bytes tensor_content = 4;
  repeated float float_val = 5 [packed = true];
  repeated double double_val = 6 [packed = true];
  repeated int32 int_val = 7 [packed = true];
  repeated bytes string_val = 8;
  repeated int64 int64_val = 10 [packed = true];
  repeated bool bool_val = 11 [packed = true];
  repeated int32 half_val = 13 [packed = true];
  repeated uint32 uint32_val = 16 [packed = true];
  repeated uint64 uint64_val = 17 [packed = true];
}

message HParamsPluginData {
  optional int32 version = 1;
  optional HParamsExperiment experiment = 2;
  optional SessionStartInfo session_start_info = 3;
  optional SessionEndInfo session_end_info = 4;
}

message HParamsExperiment {
  repeated HParamInfo hparam_infos = 4;
  repeated MetricInfo metric_infos = 5;
}

message HParamInfo {
  optional string name = 1;
}

message MetricInfo {
  optional MetricName name = 1;
}

message MetricName {
  optional string group = 1;
  optional string tag = 2;
}

message SessionStartInfo {
  map<string, JsonValue> hparams = 1;
  optional string group_name = 4;
  optional double start_time_secs = 5;
}

message SessionEndInfo {
  optional int32 status = 1;
  optional double end_time_secs = 2;
}

// The fields of google.protobuf.Value, ListValue and Struct.
message JsonValue {
  optional int32 null_value = 1;
  optional double number_value = 2;
  optional string string_value = 3;
  optional bool bool_value = 4;
  optional JsonStruct struct_value = 5;
  optional JsonList list_value = 6;
}

message JsonList {
  repeated JsonValue values = 1;
}

message JsonStruct {
  map<string, JsonValue> fields = 1;
}
`;

const root = protobuf.parse(SCHEMA).root;

export const EventType = root.lookupType('kobo.tb.Event');
export const HParamsPluginDataType = root.lookupType('kobo.tb.HParamsPluginData');

/** An int64 as protobufjs returns it: a number, or a Long when the value needs 64 bits. */
export type Int64 = number | { toNumber(): number };

export const int64ToNumber = (v: Int64 | null | undefined): number =>
  v === null || v === undefined ? 0 : typeof v === 'number' ? v : v.toNumber();

export interface TensorShape {
  dim?: Array<{ size?: Int64 }>;
}

export interface TensorMessage {
  dtype: number;
  tensorShape?: TensorShape | null;
  tensorContent: Uint8Array;
  floatVal: number[];
  doubleVal: number[];
  intVal: number[];
  stringVal: Uint8Array[];
  int64Val: Int64[];
  boolVal: boolean[];
  halfVal: number[];
  uint32Val: number[];
  uint64Val: Int64[];
}

export interface HistogramMessage {
  min: number;
  max: number;
  num: number;
  bucketLimit: number[];
  bucket: number[];
}

export interface ImageMessage {
  height: number;
  width: number;
  encodedImageString: Uint8Array;
}

export interface AudioMessage {
  sampleRate: number;
  encodedAudioString: Uint8Array;
  contentType: string;
}

export interface SummaryValueMessage {
  tag: string;
  nodeName: string;
  metadata?: {
    pluginData?: { pluginName: string; content: Uint8Array } | null;
    dataClass: number;
  } | null;
  simpleValue: number;
  image?: ImageMessage | null;
  histo?: HistogramMessage | null;
  audio?: AudioMessage | null;
  tensor?: TensorMessage | null;
}

export interface EventMessage {
  wallTime: number;
  step: Int64;
  fileVersion: string;
  summary?: { value: SummaryValueMessage[] } | null;
}

export interface JsonValueMessage {
  numberValue: number;
  stringValue: string;
  boolValue: boolean;
  structValue?: { fields: Record<string, JsonValueMessage> } | null;
  listValue?: { values: JsonValueMessage[] } | null;
}

export interface HParamsPluginDataMessage {
  experiment?: { metricInfos: Array<{ name?: { group: string; tag: string } | null }> } | null;
  sessionStartInfo?: { hparams: Record<string, JsonValueMessage>; groupName: string } | null;
}

/** True when the decoded message holds the field (it was on the wire), not just its default. */
export const has = (message: object, field: string) => Object.hasOwn(message, field);

/**
 * Decodes Event records that lie inside a larger buffer, without a view per record: one protobufjs reader
 * per buffer, moved to each record. Throws (protobufjs) on malformed bytes, e.g. a truncated varint.
 */
export class EventDecoder {
  private buf: Uint8Array | null = null;
  private reader: protobuf.Reader | null = null;

  decode(buf: Uint8Array, start: number, end: number): EventMessage {
    if (buf !== this.buf || !this.reader) {
      this.reader = protobuf.Reader.create(buf);
      this.buf = buf;
    }
    // A decode that failed half-way leaves the reader's limit at its record's end: reset both each time.
    this.reader.pos = start;
    this.reader.len = buf.length;
    return EventType.decode(this.reader, end - start) as unknown as EventMessage;
  }

  /** Lets go of the last buffer. */
  reset(): void {
    this.buf = null;
    this.reader = null;
  }
}

export function decodeHParamsPluginData(bytes: Uint8Array): HParamsPluginDataMessage {
  return HParamsPluginDataType.decode(bytes) as unknown as HParamsPluginDataMessage;
}
