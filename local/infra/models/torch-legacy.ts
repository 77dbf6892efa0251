/**
 * Reads a PyTorch state dict saved by `torch.save` in the legacy (pre-1.6, non-zip) format,
 * without Python or torch: five pickles in a row (magic number, protocol version, sys info,
 * the object with its tensors as persistent ids, the sorted storage keys), then each storage's
 * raw little-endian bytes, prefixed by its element count.
 *
 * The pickle machine below runs only the opcodes `torch.save` emits for a state dict (protocol
 * 2) and builds nothing but plain data: it never imports or calls anything a pickle names,
 * it recognises the three globals a state dict uses and refuses every other.
 */

export interface Tensor {
  readonly shape: readonly number[];
  /** Contiguous (row-major) float32 values, whatever the strides were on disk. */
  readonly data: Float32Array;
}

const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;
const PROTOCOL_VERSION = 1001;

interface StorageRef {
  readonly kind: 'storage';
  readonly type: string;
  readonly key: string;
  readonly size: number;
}

interface TensorRef {
  readonly kind: 'tensor';
  readonly storage: StorageRef;
  readonly offset: number;
  readonly shape: number[];
  readonly stride: number[];
}

interface Global {
  readonly kind: 'global';
  readonly name: string;
}

type Value = null | boolean | number | bigint | string | Value[] | Map<string, Value> | StorageRef | TensorRef | Global | Mark | Readonly<{ kind: 'tuple'; items: Value[] }>;

interface Mark {
  readonly kind: 'mark';
}
const MARK: Mark = { kind: 'mark' };

const ELEMENT_SIZE: Record<string, number> = { FloatStorage: 4, LongStorage: 8, IntStorage: 4, DoubleStorage: 8, HalfStorage: 2, ByteStorage: 1 };

export function loadLegacyStateDict(file: Buffer): Map<string, Tensor> {
  const reader = new PickleReader(file);
  const magic = reader.load();
  if (magic !== LEGACY_MAGIC) throw new Error('not a legacy torch.save file (magic number differs)');
  if (reader.load() !== PROTOCOL_VERSION) throw new Error('unsupported torch.save protocol version');
  const sysInfo = reader.load();
  if (sysInfo instanceof Map && sysInfo.get('little_endian') === false) throw new Error('big-endian checkpoints are not supported');
  const root = reader.load();
  const keys = reader.load();
  if (!(root instanceof Map)) throw new Error('checkpoint is not a state dict');
  if (!Array.isArray(keys)) throw new Error('checkpoint has no storage key list');

  // Storages follow in key order: an int64 element count, then the raw elements.
  let at = reader.position;
  const storages = new Map<string, { type: string; bytes: Buffer }>();
  const types = new Map<string, string>();
  for (const value of root.values()) if (isTensor(value)) types.set(value.storage.key, value.storage.type);
  for (const key of keys) {
    if (typeof key !== 'string') throw new Error('storage key is not a string');
    const type = types.get(key) ?? 'FloatStorage';
    const elementSize = ELEMENT_SIZE[type];
    if (!elementSize) throw new Error(`unsupported storage type ${type}`);
    const count = Number(file.readBigInt64LE(at));
    at += 8;
    storages.set(key, { type, bytes: file.subarray(at, at + count * elementSize) });
    at += count * elementSize;
  }
  if (at !== file.length) throw new Error(`checkpoint has ${file.length - at} unexpected trailing bytes`);

  const tensors = new Map<string, Tensor>();
  for (const [name, value] of root) {
    if (!isTensor(value)) continue;
    const storage = storages.get(value.storage.key);
    if (!storage) throw new Error(`tensor ${name} refers to a missing storage`);
    if (storage.type !== 'FloatStorage') continue; // e.g. BatchNorm's num_batches_tracked counters
    tensors.set(name, { shape: value.shape, data: contiguous(storage.bytes, value) });
  }
  return tensors;
}

function isTensor(value: Value | undefined): value is TensorRef {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Map) && value.kind === 'tensor';
}

/** Copies a strided float32 view into row-major order. */
function contiguous(bytes: Buffer, tensor: TensorRef): Float32Array {
  const source = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
  const total = tensor.shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(total);
  const rank = tensor.shape.length;
  const index = new Array<number>(rank).fill(0);
  for (let i = 0; i < total; i++) {
    let offset = tensor.offset;
    for (let d = 0; d < rank; d++) offset += index[d]! * tensor.stride[d]!;
    if (offset >= source.length) throw new Error('tensor view reaches past its storage');
    out[i] = source[offset]!;
    for (let d = rank - 1; d >= 0; d--) {
      if (++index[d]! < tensor.shape[d]!) break;
      index[d] = 0;
    }
  }
  return out;
}

class PickleReader {
  position = 0;
  constructor(private readonly bytes: Buffer) {}

  load(): Value {
    const stack: Value[] = [];
    const memo = new Map<number, Value>();
    const b = this.bytes;
    const popMark = (): Value[] => {
      const items: Value[] = [];
      for (;;) {
        const item = stack.pop();
        if (item === undefined) throw new Error('pickle: MARK not found');
        if (item === MARK) return items.reverse();
        items.push(item);
      }
    };
    const pop = (): Value => {
      if (stack.length === 0) throw new Error('pickle: stack underflow');
      return stack.pop()!;
    };
    const top = (): Value => stack[stack.length - 1]!;
    for (;;) {
      if (this.position >= b.length) throw new Error('pickle: unexpected end of data');
      const op = b[this.position++]!;
      switch (op) {
        case 0x80: // PROTO
          this.position++;
          break;
        case 0x2e: // STOP
          return pop();
        case 0x28: // MARK
          stack.push(MARK);
          break;
        case 0x7d: // EMPTY_DICT
          stack.push(new Map());
          break;
        case 0x5d: // EMPTY_LIST
          stack.push([]);
          break;
        case 0x29: // EMPTY_TUPLE
          stack.push({ kind: 'tuple', items: [] });
          break;
        case 0x4e: // NONE
          stack.push(null);
          break;
        case 0x88: // NEWTRUE
          stack.push(true);
          break;
        case 0x89: // NEWFALSE
          stack.push(false);
          break;
        case 0x4b: // BININT1
          stack.push(b[this.position++]!);
          break;
        case 0x4d: // BININT2
          stack.push(b.readUInt16LE(this.position));
          this.position += 2;
          break;
        case 0x4a: // BININT
          stack.push(b.readInt32LE(this.position));
          this.position += 4;
          break;
        case 0x8a: {
          // LONG1: little-endian two's complement of n bytes
          const n = b[this.position++]!;
          let value = 0n;
          for (let i = n - 1; i >= 0; i--) value = (value << 8n) | BigInt(b[this.position + i]!);
          if (n > 0 && b[this.position + n - 1]! & 0x80) value -= 1n << BigInt(8 * n);
          this.position += n;
          stack.push(value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) && n <= 6 ? Number(value) : value);
          break;
        }
        case 0x47: // BINFLOAT (big-endian double)
          stack.push(b.readDoubleBE(this.position));
          this.position += 8;
          break;
        case 0x58: {
          // BINUNICODE
          const n = b.readUInt32LE(this.position);
          stack.push(b.toString('utf8', this.position + 4, this.position + 4 + n));
          this.position += 4 + n;
          break;
        }
        case 0x8c: {
          // SHORT_BINUNICODE
          const n = b[this.position++]!;
          stack.push(b.toString('utf8', this.position, this.position + n));
          this.position += n;
          break;
        }
        case 0x55: {
          // SHORT_BINSTRING
          const n = b[this.position++]!;
          stack.push(b.toString('latin1', this.position, this.position + n));
          this.position += n;
          break;
        }
        case 0x54: {
          // BINSTRING
          const n = b.readUInt32LE(this.position);
          stack.push(b.toString('latin1', this.position + 4, this.position + 4 + n));
          this.position += 4 + n;
          break;
        }
        case 0x71: // BINPUT
          memo.set(b[this.position++]!, top());
          break;
        case 0x72: // LONG_BINPUT
          memo.set(b.readUInt32LE(this.position), top());
          this.position += 4;
          break;
        case 0x68: // BINGET
          stack.push(fromMemo(memo, b[this.position++]!));
          break;
        case 0x6a: // LONG_BINGET
          stack.push(fromMemo(memo, b.readUInt32LE(this.position)));
          this.position += 4;
          break;
        case 0x74: // TUPLE
          stack.push({ kind: 'tuple', items: popMark() });
          break;
        case 0x85: // TUPLE1
          stack.push({ kind: 'tuple', items: [pop()] });
          break;
        case 0x86: {
          // TUPLE2
          const second = pop();
          stack.push({ kind: 'tuple', items: [pop(), second] });
          break;
        }
        case 0x87: {
          // TUPLE3
          const third = pop();
          const second = pop();
          stack.push({ kind: 'tuple', items: [pop(), second, third] });
          break;
        }
        case 0x61: {
          // APPEND
          const item = pop();
          asList(top()).push(item);
          break;
        }
        case 0x65: {
          // APPENDS
          const items = popMark();
          asList(top()).push(...items);
          break;
        }
        case 0x73: {
          // SETITEM
          const value = pop();
          const key = pop();
          asDict(top()).set(asKey(key), value);
          break;
        }
        case 0x75: {
          // SETITEMS
          const items = popMark();
          const dict = asDict(top());
          for (let i = 0; i < items.length; i += 2) dict.set(asKey(items[i]!), items[i + 1]!);
          break;
        }
        case 0x63: {
          // GLOBAL "module\nname\n"
          const moduleEnd = b.indexOf(0x0a, this.position);
          const nameEnd = b.indexOf(0x0a, moduleEnd + 1);
          const name = `${b.toString('latin1', this.position, moduleEnd)}.${b.toString('latin1', moduleEnd + 1, nameEnd)}`;
          this.position = nameEnd + 1;
          stack.push({ kind: 'global', name });
          break;
        }
        case 0x51: {
          // BINPERSID: ('storage', storage_type, key, location, size[, view_metadata])
          const id = pop();
          const items = id && typeof id === 'object' && 'kind' in id && id.kind === 'tuple' ? id.items : undefined;
          const type = items?.[1];
          if (!items || items[0] !== 'storage' || !isGlobal(type) || typeof items[2] !== 'string') throw new Error('pickle: unsupported persistent id');
          if (items[5] !== undefined && items[5] !== null) throw new Error('pickle: storage views are not supported');
          stack.push({ kind: 'storage', type: type.name.replace(/^torch\./, ''), key: items[2], size: Number(items[4]) });
          break;
        }
        case 0x52: {
          // REDUCE
          const args = pop();
          const callable = pop();
          stack.push(reduce(callable, args));
          break;
        }
        case 0x62: // BUILD: state for the object below; a state dict's `_metadata`, which we drop
          pop();
          break;
        default:
          throw new Error(`pickle: unsupported opcode 0x${op.toString(16)} at ${this.position - 1}`);
      }
    }
  }
}

function fromMemo(memo: Map<number, Value>, index: number): Value {
  if (!memo.has(index)) throw new Error(`pickle: memo ${index} not set`);
  return memo.get(index)!;
}

function isGlobal(value: Value | undefined): value is Global {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Map) && value.kind === 'global';
}

function asList(value: Value): Value[] {
  if (!Array.isArray(value)) throw new Error('pickle: APPEND to a non-list');
  return value;
}

function asDict(value: Value): Map<string, Value> {
  if (!(value instanceof Map)) throw new Error('pickle: SETITEM on a non-dict');
  return value;
}

function asKey(value: Value): string {
  if (typeof value !== 'string') throw new Error('pickle: only string dict keys are supported');
  return value;
}

function reduce(callable: Value, args: Value): Value {
  if (!isGlobal(callable)) throw new Error('pickle: REDUCE on a non-global');
  const items = typeof args === 'object' && args !== null && 'kind' in args && args.kind === 'tuple' ? args.items : undefined;
  if (!items) throw new Error('pickle: REDUCE arguments are not a tuple');
  switch (callable.name) {
    case 'collections.OrderedDict':
      return new Map();
    case 'torch._utils._rebuild_tensor_v2': {
      const [storage, offset, size, stride] = items;
      if (!storage || typeof storage !== 'object' || !('kind' in storage) || storage.kind !== 'storage') throw new Error('pickle: tensor without storage');
      return { kind: 'tensor', storage, offset: Number(offset), shape: tupleNumbers(size), stride: tupleNumbers(stride) };
    }
    default:
      throw new Error(`pickle: refusing to call ${callable.name}`);
  }
}

function tupleNumbers(value: Value | undefined): number[] {
  if (!value || typeof value !== 'object' || !('kind' in value) || value.kind !== 'tuple') throw new Error('pickle: expected a tuple of ints');
  return value.items.map((item) => Number(item));
}
