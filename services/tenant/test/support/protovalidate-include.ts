import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { isFieldSet } from "@bufbuild/protobuf";
import {
  type DescriptorProto,
  type EnumDescriptorProto,
  type FieldDescriptorProto,
  FieldDescriptorProtoSchema,
  FieldDescriptorProto_Label as Label,
  FieldDescriptorProto_Type as Type,
} from "@bufbuild/protobuf/wkt";
import { file_buf_validate_validate } from "@bufbuild/protovalidate/gen/buf/validate/validate_pb.js";

/**
 * protovalidate ships its schema on npm only as a compiled descriptor, not as validate.proto. A
 * .proto loader that follows our imports needs that file, so this writes it from the shipped
 * descriptor: the same package, messages, enums, field numbers and extensions (1159/1160 on the
 * option messages), without the CEL annotations that document the rules themselves. Our .proto
 * files only use it for option annotations; the wire format of our messages does not depend on it.
 */
export async function writeProtovalidateInclude(dir: string): Promise<string> {
  const file = file_buf_validate_validate.proto;
  const lines: string[] = [`syntax = "proto2";`, `package ${file.package};`, ""];
  for (const dep of file.dependency) lines.push(`import "${dep}";`);
  lines.push("");
  for (const e of file.enumType) lines.push(...printEnum(e, ""));
  for (const m of file.messageType) lines.push(...printMessage(m, ""));
  for (const ext of file.extension) {
    lines.push(`extend ${ext.extendee} {`, `  ${printField(ext, true)}`, "}");
  }
  const target = join(dir, "buf", "validate");
  await mkdir(target, { recursive: true });
  await writeFile(join(target, "validate.proto"), `${lines.join("\n")}\n`);
  return dir;
}

const SCALARS: Partial<Record<Type, string>> = {
  [Type.DOUBLE]: "double",
  [Type.FLOAT]: "float",
  [Type.INT64]: "int64",
  [Type.UINT64]: "uint64",
  [Type.INT32]: "int32",
  [Type.FIXED64]: "fixed64",
  [Type.FIXED32]: "fixed32",
  [Type.BOOL]: "bool",
  [Type.STRING]: "string",
  [Type.BYTES]: "bytes",
  [Type.UINT32]: "uint32",
  [Type.SFIXED32]: "sfixed32",
  [Type.SFIXED64]: "sfixed64",
  [Type.SINT32]: "sint32",
  [Type.SINT64]: "sint64",
};

function printField(f: FieldDescriptorProto, withLabel: boolean): string {
  const type = SCALARS[f.type] ?? f.typeName;
  const label = !withLabel
    ? ""
    : f.label === Label.REPEATED
      ? "repeated "
      : f.label === Label.REQUIRED
        ? "required "
        : "optional ";
  return `${label}${type} ${f.name} = ${f.number};`;
}

function printEnum(e: EnumDescriptorProto, indent: string): string[] {
  return [
    `${indent}enum ${e.name} {`,
    ...e.value.map((v) => `${indent}  ${v.name} = ${v.number};`),
    `${indent}}`,
  ];
}

// proto2 fields read as 0 when unset: only a set oneof_index puts a field in a oneof.
const oneofOf = (f: FieldDescriptorProto): number | undefined =>
  isFieldSet(f, FieldDescriptorProtoSchema.field.oneofIndex) ? f.oneofIndex : undefined;

function printMessage(m: DescriptorProto, indent: string): string[] {
  const inner = `${indent}  `;
  const out = [`${indent}message ${m.name} {`];
  for (const e of m.enumType) out.push(...printEnum(e, inner));
  for (const n of m.nestedType) out.push(...printMessage(n, inner));
  for (const f of m.field) if (oneofOf(f) === undefined) out.push(`${inner}${printField(f, true)}`);
  m.oneofDecl.forEach((o, i) => {
    out.push(`${inner}oneof ${o.name} {`);
    for (const f of m.field) if (oneofOf(f) === i) out.push(`${inner}  ${printField(f, false)}`);
    out.push(`${inner}}`);
  });
  for (const r of m.extensionRange) {
    // Descriptor ranges are end-exclusive; 536870912 is one past the largest field number.
    out.push(`${inner}extensions ${r.start} to ${r.end >= 536870912 ? "max" : r.end - 1};`);
  }
  out.push(`${indent}}`);
  return out;
}
