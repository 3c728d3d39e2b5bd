// A tiny service described at run time, so the kit's tests depend on no contract of the product.
// EchoRequest.text carries a protovalidate rule (min_len 1) to exercise validation.
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
} from "@bufbuild/protovalidate/gen/buf/validate/validate_pb.js";

export type EchoRequest = Message<"kittest.v1.EchoRequest"> & {
  text: string;
  /** "" echoes; see createEchoImpl for the others. */
  mode: string;
};

export type EchoResponse = Message<"kittest.v1.EchoResponse"> & {
  text: string;
  correlationId: string;
  contentType: string;
};

const VALIDATE_PROTO = "buf/validate/validate.proto";

function stringField(
  name: string,
  number: number,
  options?: ReturnType<typeof create<typeof FieldOptionsSchema>>,
) {
  return {
    name,
    number,
    jsonName: name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()),
    type: FieldDescriptorProto_Type.STRING,
    label: FieldDescriptorProto_Label.OPTIONAL,
    ...(options ? { options } : {}),
  };
}

const textOptions = create(FieldOptionsSchema);
setExtension(
  textOptions,
  fieldRules,
  create(FieldRulesSchema, { type: { case: "string", value: { minLen: 1n } } }),
);

const fileProto = create(FileDescriptorProtoSchema, {
  name: "kittest/v1/echo.proto",
  package: "kittest.v1",
  syntax: "proto3",
  dependency: [VALIDATE_PROTO],
  messageType: [
    { name: "EchoRequest", field: [stringField("text", 1, textOptions), stringField("mode", 2)] },
    {
      name: "EchoResponse",
      field: [stringField("text", 1), stringField("correlation_id", 2), stringField("content_type", 3)],
    },
  ],
  service: [
    {
      name: "EchoService",
      method: [
        { name: "Echo", inputType: ".kittest.v1.EchoRequest", outputType: ".kittest.v1.EchoResponse" },
        {
          name: "Ticks",
          inputType: ".kittest.v1.EchoRequest",
          outputType: ".kittest.v1.EchoResponse",
          serverStreaming: true,
        },
      ],
    },
  ],
});

const registry = createFileRegistry(fileProto, (name) =>
  name === VALIDATE_PROTO ? file_buf_validate_validate : undefined,
);
const file = registry.getFile("kittest/v1/echo.proto");
if (file === undefined) throw new Error("kittest/v1/echo.proto did not register");

export const EchoRequestSchema = messageDesc<EchoRequest>(file, 0);
export const EchoResponseSchema = messageDesc<EchoResponse>(file, 1);
export const EchoService = serviceDesc<{
  echo: { methodKind: "unary"; input: typeof EchoRequestSchema; output: typeof EchoResponseSchema };
  ticks: {
    methodKind: "server_streaming";
    input: typeof EchoRequestSchema;
    output: typeof EchoResponseSchema;
  };
}>(file, 0);
