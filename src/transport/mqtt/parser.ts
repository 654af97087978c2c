// Incremental MQTT packet parser for a byte stream: chunks may split or coalesce packets.
// The fixed header is gathered first, then the body is copied into one buffer of its exact size,
// so a large packet arriving in many chunks costs linear time. A packet over `maxPacket` is
// refused as soon as its length is known, before its body is buffered. After an error the
// framing is lost: the parser stays failed and the connection must be dropped.
import { MqttPacketError, malformed, readFixedHeader, type Packet } from './packet';
import { minOf } from '../../compat/lang';

/** Decodes one packet body: packet.ts's decodeBody, or decodeBrokerBody in a client. */
export type BodyDecoder<P> = (byte0: number, body: Uint8Array, start: number, end: number) => P;

export class PacketParser<P = Packet> {
  private head_ = new Uint8Array(5);
  private headLen_ = 0;
  private byte0_ = 0;
  declare private body_?: Uint8Array | null;
  private bodyLen_ = 0;
  declare private failed_?: MqttPacketError | null;

  /** `maxPacket`: the largest whole packet (header included) accepted, in bytes. */
  private readonly maxPacket_: number;
  private readonly decodeBody_: BodyDecoder<P>;
  constructor(maxPacket: number, decodeBody: BodyDecoder<P>) { this.maxPacket_ = maxPacket; this.decodeBody_ = decodeBody; }

  /** Parses what `chunk` completes; calls onPacket per packet. Throws MqttPacketError. */
  push_(chunk: Uint8Array, onPacket: (p: P) => void): void {
    if (this.failed_) throw this.failed_;
    try {
      this.consume_(chunk, onPacket);
    } catch (e) {
      if (e instanceof MqttPacketError) this.failed_ = e;
      throw e;
    }
  }

  private consume_(chunk: Uint8Array, onPacket: (p: P) => void): void {
    let i = 0;
    const n = chunk.length;
    while (i < n) {
      if (!this.body_) {
        // Fast path: a whole packet inside the chunk, nothing pending.
        if (this.headLen_ === 0) {
          const h = readFixedHeader(chunk, i, n);
          if (h) {
            this.check_(h.byte0, h.size, h.length);
            if (i + h.size + h.length <= n) {
              const start = i + h.size;
              i = start + h.length;
              onPacket(this.decodeBody_(h.byte0, chunk, start, i));
              continue;
            }
          }
        }
        this.head_[this.headLen_++] = chunk[i++];
        const h = readFixedHeader(this.head_, 0, this.headLen_);
        if (!h) continue;
        this.check_(h.byte0, h.size, h.length);
        this.headLen_ = 0;
        this.byte0_ = h.byte0;
        if (h.length === 0) {
          onPacket(this.decodeBody_(h.byte0, this.head_, 0, 0));
          continue;
        }
        this.body_ = new Uint8Array(h.length);
        this.bodyLen_ = 0;
        continue;
      }
      const take = minOf(n - i, this.body_.length - this.bodyLen_);
      this.body_.set(chunk.subarray(i, i + take), this.bodyLen_);
      this.bodyLen_ += take;
      i += take;
      if (this.bodyLen_ === this.body_.length) {
        const body = this.body_;
        this.body_ = null;
        onPacket(this.decodeBody_(this.byte0_, body, 0, body.length));
      }
    }
  }

  private check_(byte0: number, size: number, length: number): void {
    const type = byte0 >> 4;
    if (type === 0 || type === 15) malformed(`unknown packet type ${type}`);
    if (size + length > this.maxPacket_) {
      malformed(`packet of ${size + length} bytes exceeds the maximum of ${this.maxPacket_}`);
    }
  }
}
