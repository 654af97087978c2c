// Incremental MQTT packet parser for a byte stream: chunks may split or coalesce packets.
// The fixed header is gathered first, then the body is copied into one buffer of its exact size,
// so a large packet arriving in many chunks costs linear time. A packet over `maxPacket` is
// refused as soon as its length is known, before its body is buffered. After an error the
// framing is lost: the parser stays failed and the connection must be dropped.
import { MqttPacketError, readFixedHeader, type Packet } from './packet';

/** Decodes one packet body: packet.ts's decodeBody, or decodeBrokerBody in a client. */
export type BodyDecoder<P> = (byte0: number, body: Uint8Array, start: number, end: number) => P;

export class PacketParser<P = Packet> {
  #head = new Uint8Array(5);
  #headLen = 0;
  #byte0 = 0;
  #body: Uint8Array | null = null;
  #bodyLen = 0;
  #failed: MqttPacketError | null = null;

  /** `maxPacket`: the largest whole packet (header included) accepted, in bytes. */
  readonly #maxPacket: number;
  readonly #decodeBody: BodyDecoder<P>;
  constructor(maxPacket: number, decodeBody: BodyDecoder<P>) { this.#maxPacket = maxPacket; this.#decodeBody = decodeBody; }

  /** Parses what `chunk` completes; calls onPacket per packet. Throws MqttPacketError. */
  push(chunk: Uint8Array, onPacket: (p: P) => void): void {
    if (this.#failed) throw this.#failed;
    try {
      this.#consume(chunk, onPacket);
    } catch (e) {
      if (e instanceof MqttPacketError) this.#failed = e;
      throw e;
    }
  }

  /** Bytes of a packet begun but not complete (0 between packets). */
  buffered(): number {
    return this.#body ? this.#bodyLen : this.#headLen;
  }

  #consume(chunk: Uint8Array, onPacket: (p: P) => void): void {
    let i = 0;
    const n = chunk.length;
    while (i < n) {
      if (!this.#body) {
        // Fast path: a whole packet inside the chunk, nothing pending.
        if (this.#headLen === 0) {
          const h = readFixedHeader(chunk, i, n);
          if (h) {
            this.#check(h.byte0, h.size, h.length);
            if (i + h.size + h.length <= n) {
              const start = i + h.size;
              i = start + h.length;
              onPacket(this.#decodeBody(h.byte0, chunk, start, i));
              continue;
            }
          }
        }
        this.#head[this.#headLen++] = chunk[i++];
        const h = readFixedHeader(this.#head, 0, this.#headLen);
        if (!h) continue;
        this.#check(h.byte0, h.size, h.length);
        this.#headLen = 0;
        this.#byte0 = h.byte0;
        if (h.length === 0) {
          onPacket(this.#decodeBody(h.byte0, this.#head, 0, 0));
          continue;
        }
        this.#body = new Uint8Array(h.length);
        this.#bodyLen = 0;
        continue;
      }
      const take = Math.min(n - i, this.#body.length - this.#bodyLen);
      this.#body.set(chunk.subarray(i, i + take), this.#bodyLen);
      this.#bodyLen += take;
      i += take;
      if (this.#bodyLen === this.#body.length) {
        const body = this.#body;
        this.#body = null;
        onPacket(this.#decodeBody(this.#byte0, body, 0, body.length));
      }
    }
  }

  #check(byte0: number, size: number, length: number): void {
    const type = byte0 >> 4;
    if (type === 0 || type === 15) throw new MqttPacketError(`unknown packet type ${type}`);
    if (size + length > this.#maxPacket) {
      throw new MqttPacketError(`packet of ${size + length} bytes exceeds the maximum of ${this.#maxPacket}`);
    }
  }
}
