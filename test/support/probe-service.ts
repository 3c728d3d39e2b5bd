// A tiny service described at run time for the edge's tests: the edge must pass any RPC of a
// routed domain through, so these tests depend on no product contract.
import type { Message } from "@bufbuild/protobuf";
import { create, createFileRegistry } from "@bufbuild/protobuf";
import { messageDesc, serviceDesc } from "@bufbuild/protobuf/codegenv2";
import {
  FieldDescriptorProto_Label,
  FieldDescriptorProto_Type,
  FileDescriptorProtoSchema,
  MethodOptions_IdempotencyLevel,
} from "@bufbuild/protobuf/wkt";

export type ProbeRequest = Message<"atendo.edgetest.v1.ProbeRequest"> & {
  text: string;
  count: number;
};

export type ProbeResponse = Message<"atendo.edgetest.v1.ProbeResponse"> & {
  text: string;
  /** The x-probe request header as the service saw it. */
  header: string;
  /** The x-forwarded-for request header as the service saw it. */
  forwardedFor: string;
  index: number;
};

const str = (name: string, number: number, jsonName: string) => ({
  name,
  number,
  jsonName,
  type: FieldDescriptorProto_Type.STRING,
  label: FieldDescriptorProto_Label.OPTIONAL,
});
const int = (name: string, number: number) => ({
  name,
  number,
  jsonName: name,
  type: FieldDescriptorProto_Type.INT32,
  label: FieldDescriptorProto_Label.OPTIONAL,
});

const file = createFileRegistry(
  create(FileDescriptorProtoSchema, {
    name: "atendo/edgetest/v1/probe.proto",
    package: "atendo.edgetest.v1",
    syntax: "proto3",
    messageType: [
      { name: "ProbeRequest", field: [str("text", 1, "text"), int("count", 2)] },
      {
        name: "ProbeResponse",
        field: [
          str("text", 1, "text"),
          str("header", 2, "header"),
          str("forwarded_for", 3, "forwardedFor"),
          int("index", 4),
        ],
      },
    ],
    service: [
      {
        name: "ProbeService",
        method: [
          {
            name: "Echo",
            inputType: ".atendo.edgetest.v1.ProbeRequest",
            outputType: ".atendo.edgetest.v1.ProbeResponse",
            options: { idempotencyLevel: MethodOptions_IdempotencyLevel.NO_SIDE_EFFECTS },
          },
          {
            name: "Count",
            inputType: ".atendo.edgetest.v1.ProbeRequest",
            outputType: ".atendo.edgetest.v1.ProbeResponse",
            serverStreaming: true,
          },
          {
            name: "Hang",
            inputType: ".atendo.edgetest.v1.ProbeRequest",
            outputType: ".atendo.edgetest.v1.ProbeResponse",
            serverStreaming: true,
          },
          {
            name: "Fail",
            inputType: ".atendo.edgetest.v1.ProbeRequest",
            outputType: ".atendo.edgetest.v1.ProbeResponse",
          },
          {
            name: "Secret",
            inputType: ".atendo.edgetest.v1.ProbeRequest",
            outputType: ".atendo.edgetest.v1.ProbeResponse",
          },
        ],
      },
    ],
  }),
  () => undefined, // no imports
).getFile("atendo/edgetest/v1/probe.proto");
if (file === undefined) throw new Error("atendo/edgetest/v1/probe.proto did not register");

export const ProbeRequestSchema = messageDesc<ProbeRequest>(file, 0);
export const ProbeResponseSchema = messageDesc<ProbeResponse>(file, 1);
type Unary = { methodKind: "unary"; input: typeof ProbeRequestSchema; output: typeof ProbeResponseSchema };
type ServerStream = {
  methodKind: "server_streaming";
  input: typeof ProbeRequestSchema;
  output: typeof ProbeResponseSchema;
};
export const ProbeService = serviceDesc<{
  echo: Unary;
  count: ServerStream;
  hang: ServerStream;
  fail: Unary;
  secret: Unary;
}>(file, 0);
