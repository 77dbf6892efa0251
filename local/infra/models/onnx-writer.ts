/**
 * Just enough of the ONNX protobuf schema (onnx/onnx.proto, IR version 7) to write an
 * inference graph of float tensors: ModelProto › GraphProto › NodeProto / TensorProto /
 * ValueInfoProto. Field numbers are onnx.proto's; repeated scalars are written unpacked,
 * which every protobuf parser accepts. The output is deterministic: same graph, same bytes.
 */

class Protobuf {
  private readonly parts: Buffer[] = [];

  private tag(field: number, wireType: number): void {
    this.raw(varint(BigInt((field << 3) | wireType)));
  }

  private raw(bytes: Buffer): void {
    this.parts.push(bytes);
  }

  int(field: number, value: number | bigint): this {
    this.tag(field, 0);
    let v = BigInt(value);
    if (v < 0n) v += 1n << 64n; // int64 two's complement, ten bytes on the wire
    this.raw(varint(v));
    return this;
  }

  float(field: number, value: number): this {
    this.tag(field, 5);
    const bytes = Buffer.alloc(4);
    bytes.writeFloatLE(value);
    this.raw(bytes);
    return this;
  }

  bytes(field: number, value: Buffer): this {
    this.tag(field, 2);
    this.raw(varint(BigInt(value.length)));
    this.raw(value);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, Buffer.from(value, 'utf8'));
  }

  message(field: number, value: Protobuf): this {
    return this.bytes(field, value.finish());
  }

  finish(): Buffer {
    return Buffer.concat(this.parts);
  }
}

function varint(value: bigint): Buffer {
  const out: number[] = [];
  let v = value;
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) byte |= 0x80;
    out.push(byte);
  } while (v > 0n);
  return Buffer.from(out);
}

const FLOAT = 1;
const INT64 = 7;

export type Attribute = number | readonly number[] | { readonly float: number };

export interface Node {
  readonly op: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attributes?: Readonly<Record<string, Attribute>>;
}

export interface Initializer {
  readonly name: string;
  readonly dims: readonly number[];
  readonly data: Float32Array | BigInt64Array;
}

/** A dimension is a fixed size or a symbolic name (e.g. "batch"). */
export interface TensorInfo {
  readonly name: string;
  readonly shape: readonly (number | string)[];
}

export interface Graph {
  readonly name: string;
  readonly doc?: string;
  readonly nodes: readonly Node[];
  readonly initializers: readonly Initializer[];
  readonly inputs: readonly TensorInfo[];
  readonly outputs: readonly TensorInfo[];
}

export function encodeModel(graph: Graph, options: { opset: number; producer: string; producerVersion: string }): Buffer {
  const g = new Protobuf();
  graph.nodes.forEach((node, index) => g.message(1, encodeNode(node, index)));
  g.string(2, graph.name);
  for (const initializer of graph.initializers) g.message(5, encodeTensor(initializer));
  if (graph.doc) g.string(10, graph.doc);
  for (const input of graph.inputs) g.message(11, encodeValueInfo(input));
  for (const output of graph.outputs) g.message(12, encodeValueInfo(output));

  const model = new Protobuf();
  model.int(1, 7); // ir_version
  model.string(2, options.producer);
  model.string(3, options.producerVersion);
  model.message(7, g);
  model.message(8, new Protobuf().string(1, '').int(2, options.opset));
  return model.finish();
}

function encodeNode(node: Node, index: number): Protobuf {
  const n = new Protobuf();
  for (const input of node.inputs) n.string(1, input);
  for (const output of node.outputs) n.string(2, output);
  n.string(3, `${node.op.toLowerCase()}_${index}`);
  n.string(4, node.op);
  for (const [name, value] of Object.entries(node.attributes ?? {})) {
    const a = new Protobuf().string(1, name);
    if (typeof value === 'number') a.int(3, value).int(20, 2);
    else if (Array.isArray(value)) {
      for (const item of value as readonly number[]) a.int(8, item);
      a.int(20, 7);
    } else a.float(2, (value as { float: number }).float).int(20, 1);
    n.message(5, a);
  }
  return n;
}

function encodeTensor(tensor: Initializer): Protobuf {
  const t = new Protobuf();
  for (const dim of tensor.dims) t.int(1, dim);
  t.int(2, tensor.data instanceof Float32Array ? FLOAT : INT64);
  t.string(8, tensor.name);
  const data = tensor.data;
  // raw_data is little-endian; so is every machine we run on, but say it rather than assume it.
  const raw = Buffer.alloc(data.byteLength);
  if (data instanceof Float32Array) data.forEach((v, i) => raw.writeFloatLE(v, i * 4));
  else data.forEach((v, i) => raw.writeBigInt64LE(v, i * 8));
  t.bytes(9, raw);
  return t;
}

function encodeValueInfo(info: TensorInfo): Protobuf {
  const shape = new Protobuf();
  for (const dim of info.shape) shape.message(1, typeof dim === 'number' ? new Protobuf().int(1, dim) : new Protobuf().string(2, dim));
  const tensorType = new Protobuf().int(1, FLOAT).message(2, shape);
  return new Protobuf().string(1, info.name).message(2, new Protobuf().message(1, tensorType));
}
