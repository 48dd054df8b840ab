/**
 * Numbers packed into SQLite BLOBs, little-endian whatever the machine, for the metric blocks and
 * history chunks. On a little-endian machine (every one Node ships for today) packing is a view and
 * unpacking is a view too unless the driver handed out the BLOB at an unaligned offset (then it is
 * copied: `new Uint8Array(data)`, since a Buffer's `slice` is a view of the same memory, which would
 * leave the offset unaligned — mysql2 hands out Buffers cut from one large packet).
 */
import { endianness } from "node:os";

const LITTLE_ENDIAN = endianness() === "LE";

export function packFloat64(values: Float64Array): Uint8Array {
  if (!LITTLE_ENDIAN) {
    const view = new DataView(values.buffer, values.byteOffset, values.byteLength);
    for (let i = 0; i < values.length; i++) view.setFloat64(i * 8, values[i] ?? 0, true);
  }
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
}

export function packUint32(values: Uint32Array): Uint8Array {
  if (!LITTLE_ENDIAN) {
    const view = new DataView(values.buffer, values.byteOffset, values.byteLength);
    for (let i = 0; i < values.length; i++) view.setUint32(i * 4, values[i] ?? 0, true);
  }
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
}

export function unpackFloat64(data: Uint8Array): Float64Array {
  const length = Math.floor(data.byteLength / 8);
  if (LITTLE_ENDIAN) {
    return data.byteOffset % 8 === 0
      ? new Float64Array(data.buffer, data.byteOffset, length)
      : new Float64Array(new Uint8Array(data).buffer, 0, length);
  }
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  return Float64Array.from({ length }, (_, i) => view.getFloat64(i * 8, true));
}

export function unpackUint32(data: Uint8Array): Uint32Array {
  const length = Math.floor(data.byteLength / 4);
  if (LITTLE_ENDIAN) {
    return data.byteOffset % 4 === 0
      ? new Uint32Array(data.buffer, data.byteOffset, length)
      : new Uint32Array(new Uint8Array(data).buffer, 0, length);
  }
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  return Uint32Array.from({ length }, (_, i) => view.getUint32(i * 4, true));
}

/** first, first + 1, …: the steps a dense block or chunk does not store. */
export function consecutive(first: number, length: number): Float64Array {
  const out = new Float64Array(length);
  for (let i = 0; i < length; i++) out[i] = first + i;
  return out;
}
