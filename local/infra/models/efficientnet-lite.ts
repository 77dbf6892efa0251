/**
 * Builds the ONNX graph of an EfficientNet-Lite ImageNet classifier (Google's
 * efficientnet/lite; the PyTorch port's parameter names) from its state dict.
 *
 * The architecture is the one in efficientnet_lite_builder.py: a 3×3/2 stem, seven stages of
 * MBConv blocks (expand 1×1, depthwise k×k, project 1×1; no squeeze-excite), ReLU6 everywhere,
 * a 1×1 head to 1280 channels, global average pooling and a 1000-way linear layer. Convolutions
 * pad like TensorFlow's "SAME" (the extra row/column goes bottom/right), which is what the
 * weights were trained with. Batch norms are folded into the convolutions before them.
 *
 * The graph takes what sharp gives: RGB bytes as float32 in NHWC, [batch, size, size, 3], 0…255,
 * and does the model's own normalisation, (x − 127) / 128, inside. It returns softmax
 * probabilities [batch, 1000] in the standard ImageNet-1k class order.
 */
import type { Tensor } from './torch-legacy.js';
import type { Graph, Initializer, Node } from './onnx-writer.js';

/** First-block stride of each of the seven stages (r1_k3_s11, r2_k3_s22, r2_k5_s22, …). */
const STAGE_STRIDES = [1, 2, 2, 2, 1, 2, 1] as const;
const BN_EPSILON = 1e-3;
export const LITE_MEAN = 127;
export const LITE_STD = 128;

export interface EfficientNetLiteGraph {
  readonly graph: Graph;
  readonly blocks: number;
  readonly classes: number;
}

export function efficientNetLiteGraph(weights: Map<string, Tensor>, options: { name: string; inputSize: number }): EfficientNetLiteGraph {
  const b = new GraphBuilder(weights);
  let size = options.inputSize;

  b.node('Transpose', ['pixels'], ['nchw'], { perm: [0, 3, 1, 2] });
  b.constant('mean', [1], Float32Array.of(LITE_MEAN));
  b.constant('inverse_std', [1], Float32Array.of(1 / LITE_STD));
  b.node('Sub', ['nchw', 'mean'], ['centered']);
  b.node('Mul', ['centered', 'inverse_std'], ['normalized']);
  b.constant('relu6_min', [], Float32Array.of(0));
  b.constant('relu6_max', [], Float32Array.of(6));

  let x = b.convBn('normalized', '_conv_stem', '_bn0', { stride: 2, inputSize: size });
  size = Math.ceil(size / 2);
  x = b.relu6(x);

  let stage = -1;
  let previousOut = -1;
  let count = 0;
  for (let i = 0; weights.has(`_blocks.${i}._depthwise_conv.weight`); i++) {
    const prefix = `_blocks.${i}`;
    const inChannels = b.shape(weights.has(`${prefix}._expand_conv.weight`) ? `${prefix}._expand_conv.weight` : `${prefix}._depthwise_conv.weight`)[1]!;
    const outChannels = b.shape(`${prefix}._project_conv.weight`)[0]!;
    const firstOfStage = outChannels !== previousOut;
    if (firstOfStage) stage++;
    previousOut = outChannels;
    if (stage >= STAGE_STRIDES.length) throw new Error(`${options.name}: more than ${STAGE_STRIDES.length} stages`);
    const stride = firstOfStage ? STAGE_STRIDES[stage]! : 1;
    const input = x;
    let y = input;
    if (weights.has(`${prefix}._expand_conv.weight`)) {
      y = b.relu6(b.convBn(y, `${prefix}._expand_conv`, `${prefix}._bn0`, { stride: 1, inputSize: size }));
    }
    const depthwiseShape = b.shape(`${prefix}._depthwise_conv.weight`);
    y = b.relu6(b.convBn(y, `${prefix}._depthwise_conv`, `${prefix}._bn1`, { stride, inputSize: size, group: depthwiseShape[0]! }));
    size = Math.ceil(size / stride);
    y = b.convBn(y, `${prefix}._project_conv`, `${prefix}._bn2`, { stride: 1, inputSize: size });
    if (stride === 1 && inChannels === outChannels) y = b.add(y, input);
    x = y;
    count++;
  }
  if (stage !== STAGE_STRIDES.length - 1) throw new Error(`${options.name}: found ${stage + 1} stages, expected ${STAGE_STRIDES.length}`);

  x = b.relu6(b.convBn(x, '_conv_head', '_bn1', { stride: 1, inputSize: size }));
  b.node('GlobalAveragePool', [x], ['pooled']);
  b.node('Flatten', ['pooled'], ['features'], { axis: 1 });
  b.param('_fc.weight');
  b.param('_fc.bias');
  b.node('Gemm', ['features', '_fc.weight', '_fc.bias'], ['logits'], { transB: 1 });
  b.node('Softmax', ['logits'], ['probabilities'], { axis: 1 });
  const classes = b.shape('_fc.weight')[0]!;
  b.assertAllUsed();

  return {
    blocks: count,
    classes,
    graph: {
      name: options.name,
      doc: `${options.name} ImageNet-1k classifier; input RGB 0-255 NHWC ${options.inputSize}x${options.inputSize}`,
      nodes: b.nodes,
      initializers: b.initializers,
      inputs: [{ name: 'pixels', shape: ['batch', options.inputSize, options.inputSize, 3] }],
      outputs: [{ name: 'probabilities', shape: ['batch', classes] }],
    },
  };
}

class GraphBuilder {
  readonly nodes: Node[] = [];
  readonly initializers: Initializer[] = [];
  private readonly used = new Set<string>();
  private counter = 0;

  constructor(private readonly weights: Map<string, Tensor>) {}

  node(op: string, inputs: string[], outputs: string[], attributes?: Node['attributes']): void {
    this.nodes.push(attributes ? { op, inputs, outputs, attributes } : { op, inputs, outputs });
  }

  constant(name: string, dims: number[], data: Float32Array): void {
    this.initializers.push({ name, dims, data });
  }

  shape(name: string): readonly number[] {
    return this.tensor(name).shape;
  }

  /** A weight used as is. */
  param(name: string): void {
    const t = this.tensor(name);
    this.used.add(name);
    this.initializers.push({ name, dims: t.shape, data: t.data });
  }

  relu6(x: string): string {
    const y = this.fresh('relu6');
    this.node('Clip', [x, 'relu6_min', 'relu6_max'], [y]);
    return y;
  }

  add(a: string, c: string): string {
    const y = this.fresh('add');
    this.node('Add', [a, c], [y]);
    return y;
  }

  /** Conv (no bias) followed by BatchNorm, folded into one Conv with a bias; TF "SAME" padding. */
  convBn(x: string, conv: string, bn: string, options: { stride: number; inputSize: number; group?: number }): string {
    const w = this.tensor(`${conv}.weight`);
    const [outChannels, , kh, kw] = w.shape as [number, number, number, number];
    const gamma = this.tensor(`${bn}.weight`).data;
    const beta = this.tensor(`${bn}.bias`).data;
    const mean = this.tensor(`${bn}.running_mean`).data;
    const variance = this.tensor(`${bn}.running_var`).data;
    for (const name of [`${conv}.weight`, `${bn}.weight`, `${bn}.bias`, `${bn}.running_mean`, `${bn}.running_var`]) this.used.add(name);
    if (this.weights.has(`${conv}.bias`)) throw new Error(`${conv} has a bias; EfficientNet-Lite convolutions have none`);

    const perChannel = w.data.length / outChannels;
    const folded = new Float32Array(w.data.length);
    const bias = new Float32Array(outChannels);
    for (let o = 0; o < outChannels; o++) {
      const scale = gamma[o]! / Math.sqrt(variance[o]! + BN_EPSILON);
      for (let j = 0; j < perChannel; j++) folded[o * perChannel + j] = w.data[o * perChannel + j]! * scale;
      bias[o] = beta[o]! - mean[o]! * scale;
    }
    const wName = `${conv}.folded_weight`;
    const bName = `${conv}.folded_bias`;
    this.initializers.push({ name: wName, dims: w.shape, data: folded }, { name: bName, dims: [outChannels], data: bias });

    const [top, bottom] = samePadding(options.inputSize, kh, options.stride);
    const [left, right] = samePadding(options.inputSize, kw, options.stride);
    const y = this.fresh('conv');
    this.node('Conv', [x, wName, bName], [y], {
      kernel_shape: [kh, kw],
      strides: [options.stride, options.stride],
      pads: [top, left, bottom, right],
      group: options.group ?? 1,
    });
    return y;
  }

  assertAllUsed(): void {
    const unused = [...this.weights.keys()].filter((name) => !this.used.has(name));
    if (unused.length > 0) throw new Error(`weights not used by the graph: ${unused.slice(0, 5).join(', ')}${unused.length > 5 ? ', …' : ''}`);
  }

  private tensor(name: string): Tensor {
    const t = this.weights.get(name);
    if (!t) throw new Error(`missing weight ${name}`);
    return t;
  }

  private fresh(prefix: string): string {
    return `${prefix}_${this.counter++}`;
  }
}

/** TensorFlow "SAME": output ceil(in / stride); the odd padding pixel goes after. */
function samePadding(input: number, kernel: number, stride: number): [number, number] {
  const output = Math.ceil(input / stride);
  const total = Math.max((output - 1) * stride + kernel - input, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}
