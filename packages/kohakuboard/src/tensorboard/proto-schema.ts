/**
 * The TensorBoard messages this importer reads, written as protobuf definitions of only the fields it uses
 * (the field numbers are those of TensorFlow's event, summary and tensor messages and of TensorBoard's hparams
 * plugin), and decoded by protobufjs. Fields not listed here are skipped by the decoder as unknown fields.
 * See docs/tensorboard.md#event-files.
 */
import protobuf from 'protobufjs';

const SCHEMA = `
syntax = "proto3";
package kobo.tb;

message Event {
  double wall_time = 1;
  int64 step = 2;
  oneof what {
    string file_version = 3;
    bytes graph_def = 4;
    Summary summary = 5;
    bytes log_message = 6;
    SessionLog session_log = 7;
    TaggedRunMetadata tagged_run_metadata = 8;
    bytes meta_graph_def = 9;
  }
}

message SessionLog {
  int32 status = 1;
}

message TaggedRunMetadata {
  string tag = 1;
}

message Summary {
  message Image {
    int32 height = 1;
    int32 width = 2;
    int32 colorspace = 3;
    bytes encoded_image_string = 4;
  }
  message Audio {
    float sample_rate = 1;
    int64 num_channels = 2;
    int64 length_frames = 3;
    bytes encoded_audio_string = 4;
    string content_type = 5;
  }
  message Value {
    string tag = 1;
    string node_name = 7;
    SummaryMetadata metadata = 9;
    oneof value {
      float simple_value = 2;
      bytes obsolete_old_style_histogram = 3;
      Image image = 4;
      HistogramProto histo = 5;
      Audio audio = 6;
      TensorProto tensor = 8;
    }
  }
  repeated Value value = 1;
}

message SummaryMetadata {
  message PluginData {
    string plugin_name = 1;
    bytes content = 2;
  }
  PluginData plugin_data = 1;
  string display_name = 2;
  string summary_description = 3;
  int32 data_class = 4;
}

message HistogramProto {
  double min = 1;
  double max = 2;
  double num = 3;
  double sum = 4;
  double sum_squares = 5;
  repeated double bucket_limit = 6;
  repeated double bucket = 7;
}

message TensorShapeProto {
  message Dim {
    int64 size = 1;
  }
  repeated Dim dim = 2;
}

message TensorProto {
  int32 dtype = 1;
  TensorShapeProto tensor_shape = 2;
  bytes tensor_content = 4;
  repeated float float_val = 5;
  repeated double double_val = 6;
  repeated int32 int_val = 7;
  repeated bytes string_val = 8;
  repeated int64 int64_val = 10;
  repeated bool bool_val = 11;
  repeated int32 half_val = 13;
  repeated uint32 uint32_val = 16;
  repeated uint64 uint64_val = 17;
}

message HParamsPluginData {
  int32 version = 1;
  oneof data {
    HParamsExperiment experiment = 2;
    SessionStartInfo session_start_info = 3;
    SessionEndInfo session_end_info = 4;
  }
}

message HParamsExperiment {
  repeated HParamInfo hparam_infos = 4;
  repeated MetricInfo metric_infos = 5;
}

message HParamInfo {
  string name = 1;
}

message MetricInfo {
  MetricName name = 1;
}

message MetricName {
  string group = 1;
  string tag = 2;
}

message SessionStartInfo {
  map<string, JsonValue> hparams = 1;
  string group_name = 4;
  double start_time_secs = 5;
}

message SessionEndInfo {
  int32 status = 1;
  double end_time_secs = 2;
}

// The fields of google.protobuf.Value, ListValue and Struct.
message JsonValue {
  oneof kind {
    int32 null_value = 1;
    double number_value = 2;
    string string_value = 3;
    bool bool_value = 4;
    JsonStruct struct_value = 5;
    JsonList list_value = 6;
  }
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
  /** Which of the oneof fields is set. */
  value?: 'simpleValue' | 'obsoleteOldStyleHistogram' | 'image' | 'histo' | 'audio' | 'tensor';
  simpleValue: number;
  image?: ImageMessage | null;
  histo?: HistogramMessage | null;
  audio?: AudioMessage | null;
  tensor?: TensorMessage | null;
}

export interface EventMessage {
  wallTime: number;
  step: Int64;
  what?:
    | 'fileVersion'
    | 'graphDef'
    | 'summary'
    | 'logMessage'
    | 'sessionLog'
    | 'taggedRunMetadata'
    | 'metaGraphDef';
  fileVersion: string;
  summary?: { value: SummaryValueMessage[] } | null;
}

export interface JsonValueMessage {
  kind?: 'nullValue' | 'numberValue' | 'stringValue' | 'boolValue' | 'structValue' | 'listValue';
  numberValue: number;
  stringValue: string;
  boolValue: boolean;
  structValue?: { fields: Record<string, JsonValueMessage> } | null;
  listValue?: { values: JsonValueMessage[] } | null;
}

export interface HParamsPluginDataMessage {
  data?: 'experiment' | 'sessionStartInfo' | 'sessionEndInfo';
  experiment?: { metricInfos: Array<{ name?: { group: string; tag: string } | null }> } | null;
  sessionStartInfo?: { hparams: Record<string, JsonValueMessage>; groupName: string } | null;
}

/** Decodes one Event record. Throws (protobufjs) on malformed bytes, e.g. a truncated varint. */
export function decodeEvent(bytes: Uint8Array): EventMessage {
  return EventType.decode(bytes) as unknown as EventMessage;
}

export function decodeHParamsPluginData(bytes: Uint8Array): HParamsPluginDataMessage {
  return HParamsPluginDataType.decode(bytes) as unknown as HParamsPluginDataMessage;
}
