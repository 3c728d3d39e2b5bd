// A service described at run time with one method per rule dimension, so the auth tests depend on
// no contract of the product. GuardedRequest.workspace_id must be a UUID when set.
import type { Message } from "@bufbuild/protobuf";
import { create, createFileRegistry, setExtension } from "@bufbuild/protobuf";
import { messageDesc, serviceDesc } from "@bufbuild/protobuf/codegenv2";
import {
  FieldDescriptorProto_Label,
  FieldDescriptorProto_Type,
  FieldOptionsSchema,
  FileDescriptorProtoSchema,
} from "@bufbuild/protobuf/wkt";
import {
  FieldRulesSchema,
  field as fieldRules,
  file_buf_validate_validate,
  Ignore,
} from "@bufbuild/protovalidate/gen/buf/validate/validate_pb.js";

export type GuardedRequest = Message<"kittest.v1.GuardedRequest"> & {
  workspaceId: string;
  tenantId: string;
  text: string;
};

export type GuardedResponse = Message<"kittest.v1.GuardedResponse"> & {
  /** JSON of the principal the handler saw ("" for none). */
  principal: string;
  /** Whatever the method reports (message count, tenant, ...). */
  detail: string;
};

const VALIDATE_PROTO = "buf/validate/validate.proto";

const uuidIfSet = create(FieldOptionsSchema);
setExtension(
  uuidIfSet,
  fieldRules,
  create(FieldRulesSchema, {
    ignore: Ignore.IF_ZERO_VALUE,
    type: { case: "string", value: { wellKnown: { case: "uuid", value: true } } },
  }),
);

function stringField(name: string, number: number, withUuidRule = false) {
  return {
    name,
    number,
    jsonName: name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()),
    type: FieldDescriptorProto_Type.STRING,
    label: FieldDescriptorProto_Label.OPTIONAL,
    ...(withUuidRule ? { options: uuidIfSet } : {}),
  };
}

const IN = ".kittest.v1.GuardedRequest";
const OUT = ".kittest.v1.GuardedResponse";

const fileProto = create(FileDescriptorProtoSchema, {
  name: "kittest/v1/guarded.proto",
  package: "kittest.v1",
  syntax: "proto3",
  dependency: [VALIDATE_PROTO],
  messageType: [
    {
      name: "GuardedRequest",
      field: [stringField("workspace_id", 1, true), stringField("tenant_id", 2), stringField("text", 3)],
    },
    { name: "GuardedResponse", field: [stringField("principal", 1), stringField("detail", 2)] },
  ],
  service: [
    {
      name: "GuardedService",
      method: [
        { name: "Open", inputType: IN, outputType: OUT },
        { name: "Read", inputType: IN, outputType: OUT },
        { name: "Write", inputType: IN, outputType: OUT },
        { name: "Own", inputType: IN, outputType: OUT },
        { name: "Internal", inputType: IN, outputType: OUT },
        { name: "Operate", inputType: IN, outputType: OUT },
        { name: "Late", inputType: IN, outputType: OUT },
        { name: "Relay", inputType: IN, outputType: OUT },
        { name: "Upload", inputType: IN, outputType: OUT, clientStreaming: true },
        { name: "Watch", inputType: IN, outputType: OUT, serverStreaming: true },
      ],
    },
  ],
});

const registry = createFileRegistry(fileProto, (name) =>
  name === VALIDATE_PROTO ? file_buf_validate_validate : undefined,
);
const file = registry.getFile("kittest/v1/guarded.proto");
if (file === undefined) throw new Error("kittest/v1/guarded.proto did not register");

export const GuardedRequestSchema = messageDesc<GuardedRequest>(file, 0);
export const GuardedResponseSchema = messageDesc<GuardedResponse>(file, 1);

type Unary = {
  methodKind: "unary";
  input: typeof GuardedRequestSchema;
  output: typeof GuardedResponseSchema;
};
export const GuardedService = serviceDesc<{
  open: Unary;
  read: Unary;
  write: Unary;
  own: Unary;
  internal: Unary;
  operate: Unary;
  late: Unary;
  relay: Unary;
  upload: {
    methodKind: "client_streaming";
    input: typeof GuardedRequestSchema;
    output: typeof GuardedResponseSchema;
  };
  watch: {
    methodKind: "server_streaming";
    input: typeof GuardedRequestSchema;
    output: typeof GuardedResponseSchema;
  };
}>(file, 0);
