/**
 * A two-layer perceptron written with typed arrays: input → hidden (ReLU) → logits, softmax cross-entropy,
 * SGD with momentum and weight decay. Small and plain on purpose: the point is what gets logged.
 */
import { randomGenerator } from './shapes-dataset.js';

export class Dense {
  readonly w: Float32Array;
  readonly b: Float32Array;
  readonly gw: Float32Array;
  readonly gb: Float32Array;
  private readonly vw: Float32Array;
  private readonly vb: Float32Array;

  constructor(
    readonly inputs: number,
    readonly outputs: number,
    seed: number,
  ) {
    const rand = randomGenerator(seed);
    const scale = Math.sqrt(2 / inputs); // He initialisation
    this.w = Float32Array.from({ length: inputs * outputs }, () => {
      // Box–Muller for a normal sample.
      const u = Math.max(rand(), 1e-12);
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand()) * scale;
    });
    this.b = new Float32Array(outputs);
    this.gw = new Float32Array(inputs * outputs);
    this.gb = new Float32Array(outputs);
    this.vw = new Float32Array(inputs * outputs);
    this.vb = new Float32Array(outputs);
  }

  /** out[B×outputs] = x[B×inputs] · W + b */
  forward(x: Float32Array, batch: number, out: Float32Array): void {
    const { inputs: I, outputs: O, w, b } = this;
    for (let n = 0; n < batch; n++) {
      const o = n * O;
      out.set(b, o);
      for (let i = 0; i < I; i++) {
        const xv = x[n * I + i];
        if (xv === 0) continue;
        const row = i * O;
        for (let j = 0; j < O; j++) out[o + j] += xv * w[row + j];
      }
    }
  }

  /** Accumulates gradients from dOut and writes dX (when given). */
  backward(x: Float32Array, dOut: Float32Array, batch: number, dX: Float32Array | null): void {
    const { inputs: I, outputs: O, w, gw, gb } = this;
    gw.fill(0);
    gb.fill(0);
    for (let n = 0; n < batch; n++) {
      const o = n * O;
      for (let j = 0; j < O; j++) gb[j] += dOut[o + j];
      for (let i = 0; i < I; i++) {
        const xv = x[n * I + i];
        const row = i * O;
        let acc = 0;
        for (let j = 0; j < O; j++) {
          gw[row + j] += xv * dOut[o + j];
          acc += w[row + j] * dOut[o + j];
        }
        if (dX) dX[n * I + i] = acc;
      }
    }
  }

  step(lr: number, momentum: number, weightDecay: number): void {
    const { w, b, gw, gb, vw, vb } = this;
    for (let k = 0; k < w.length; k++) {
      vw[k] = momentum * vw[k] + gw[k] + weightDecay * w[k];
      w[k] -= lr * vw[k];
    }
    for (let k = 0; k < b.length; k++) {
      vb[k] = momentum * vb[k] + gb[k];
      b[k] -= lr * vb[k];
    }
  }
}

export class Mlp {
  readonly fc1: Dense;
  readonly fc2: Dense;
  private hidden = new Float32Array(0);
  private logits = new Float32Array(0);
  private dLogits = new Float32Array(0);
  private dHidden = new Float32Array(0);
  /** Softmax probabilities of the last forward pass. */
  probs = new Float32Array(0);

  constructor(inputs: number, hidden: number, classes: number, seed: number) {
    this.fc1 = new Dense(inputs, hidden, seed);
    this.fc2 = new Dense(hidden, classes, seed + 1);
  }

  private ensure(batch: number): void {
    if (this.hidden.length >= batch * this.fc1.outputs) return;
    this.hidden = new Float32Array(batch * this.fc1.outputs);
    this.dHidden = new Float32Array(batch * this.fc1.outputs);
    this.logits = new Float32Array(batch * this.fc2.outputs);
    this.dLogits = new Float32Array(batch * this.fc2.outputs);
    this.probs = new Float32Array(batch * this.fc2.outputs);
  }

  /** Forward pass; returns the mean cross-entropy and the number of correct predictions. */
  forward(x: Float32Array, y: Uint8Array, batch: number): { loss: number; correct: number } {
    this.ensure(batch);
    const C = this.fc2.outputs;
    this.fc1.forward(x, batch, this.hidden);
    for (let k = 0; k < batch * this.fc1.outputs; k++) if (this.hidden[k] < 0) this.hidden[k] = 0;
    this.fc2.forward(this.hidden, batch, this.logits);
    let loss = 0;
    let correct = 0;
    for (let n = 0; n < batch; n++) {
      let max = Number.NEGATIVE_INFINITY;
      let arg = 0;
      for (let c = 0; c < C; c++) {
        if (this.logits[n * C + c] > max) {
          max = this.logits[n * C + c];
          arg = c;
        }
      }
      let sum = 0;
      for (let c = 0; c < C; c++) sum += Math.exp(this.logits[n * C + c] - max);
      for (let c = 0; c < C; c++) this.probs[n * C + c] = Math.exp(this.logits[n * C + c] - max) / sum;
      loss -= Math.log(Math.max(this.probs[n * C + y[n]], 1e-12));
      if (arg === y[n]) correct++;
    }
    return { loss: loss / batch, correct };
  }

  /** Backward pass of the last forward pass; leaves the gradients in fc1/fc2. */
  backward(x: Float32Array, y: Uint8Array, batch: number): void {
    const C = this.fc2.outputs;
    for (let n = 0; n < batch; n++) {
      for (let c = 0; c < C; c++)
        this.dLogits[n * C + c] = (this.probs[n * C + c] - (c === y[n] ? 1 : 0)) / batch;
    }
    this.fc2.backward(this.hidden, this.dLogits, batch, this.dHidden);
    for (let k = 0; k < batch * this.fc1.outputs; k++) if (this.hidden[k] === 0) this.dHidden[k] = 0;
    this.fc1.backward(x, this.dHidden, batch, null);
  }

  step(lr: number): void {
    this.fc1.step(lr, 0.9, 1e-4);
    this.fc2.step(lr, 0.9, 1e-4);
  }
}
