// The event protos are written elsewhere; the tests build their own event file at run time.

import { type EventMeta, file_atendo_common_v1_event } from "@atendo/proto/common/v1";
import { create, createFileRegistry, type Message } from "@bufbuild/protobuf";
import type { GenMessage } from "@bufbuild/protobuf/codegenv2";
import {
  FieldDescriptorProto_Label,
  FieldDescriptorProto_Type,
  FileDescriptorProtoSchema,
} from "@bufbuild/protobuf/wkt";

export type Pinged = Message<"atendo.bustest.v1.Pinged"> & { meta?: EventMeta | undefined; text: string };
export type Ponged = Message<"atendo.bustest.v1.Ponged"> & { meta?: EventMeta | undefined; text: string };
export type Skipped = Message<"atendo.bustest.v1.Skipped"> & { meta?: EventMeta | undefined; text: string };
export type NotAnEvent = Message<"atendo.bustest.v1.NotAnEvent"> & { text: string };

function eventMessage(name: string) {
  return {
    name,
    field: [
      {
        name: "meta",
        number: 1,
        label: FieldDescriptorProto_Label.OPTIONAL,
        type: FieldDescriptorProto_Type.MESSAGE,
        typeName: ".atendo.common.v1.EventMeta",
        jsonName: "meta",
      },
      {
        name: "text",
        number: 2,
        label: FieldDescriptorProto_Label.OPTIONAL,
        type: FieldDescriptorProto_Type.STRING,
        jsonName: "text",
      },
    ],
  };
}

const file = create(FileDescriptorProtoSchema, {
  name: "atendo/bustest/v1/bustest_events.proto",
  package: "atendo.bustest.v1",
  syntax: "proto3",
  dependency: [file_atendo_common_v1_event.proto.name],
  messageType: [
    eventMessage("Pinged"),
    eventMessage("Ponged"),
    eventMessage("Skipped"),
    {
      name: "NotAnEvent",
      field: [
        {
          name: "text",
          number: 1,
          label: FieldDescriptorProto_Label.OPTIONAL,
          type: FieldDescriptorProto_Type.STRING,
          jsonName: "text",
        },
      ],
    },
  ],
});

const registry = createFileRegistry(file, (name) =>
  name === file_atendo_common_v1_event.proto.name ? file_atendo_common_v1_event : undefined,
);

function message<T extends Message>(typeName: string): GenMessage<T> {
  const desc = registry.getMessage(typeName);
  if (desc === undefined) throw new Error(`test schema ${typeName} missing`);
  // Built at run time, so the shape is asserted here once instead of generated.
  return desc as GenMessage<T>;
}

export const PingedSchema = message<Pinged>("atendo.bustest.v1.Pinged");
export const PongedSchema = message<Ponged>("atendo.bustest.v1.Ponged");
export const SkippedSchema = message<Skipped>("atendo.bustest.v1.Skipped");
export const NotAnEventSchema = message<NotAnEvent>("atendo.bustest.v1.NotAnEvent");
