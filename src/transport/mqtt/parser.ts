// Incremental MQTT packet parser for a byte stream: chunks may split or coalesce packets.
// The fixed header is gathered first, then the body is copied into one buffer of its exact size,
// so a large packet arriving in many chunks costs linear time. A packet over `maxPacket` is
// refused as soon as its length is known, before its body is buffered. After an error the
// framing is lost: the parser stays failed and the connection must be dropped.
import { MqttPacketError, readFixedHeader, type Packet } from './packet';
import { minOf } from '../../compat/lang';

/** Decodes one packet body: packet.ts's decodeBody, or decodeBrokerBody in a client. */
export type BodyDecoder<P> = (byte0: number, body: Uint8Array, start: number, end: number) => P;

export interface PacketParser<P = Packet> {
  /** Parses what `chunk` completes; calls onPacket per packet. Throws MqttPacketError. */
  push_(chunk: Uint8Array, onPacket: (p: P) => void): void;
}

/**
 * `new PacketParser(maxPacket, decodeBody)`: a plain function whose closure holds the state
 * (shorter in the bundle than fields); called with `new`, it returns its object. `maxPacket`:
 * the largest whole packet (header included) accepted, in bytes.
 */
export const PacketParser = function <P>(maxPacket: number, decodeBody: BodyDecoder<P>): PacketParser<P> {
  // A packet split across chunks: its header's bytes gather in `head`, then the whole packet
  // (header included) in `part`, allocated at its exact size once the header is known.
  const head = new Uint8Array(5);
  let headLen = 0;
  let part: Uint8Array | null = null;
  let got = 0;
  /** Where the body starts in `part`. */
  let bodyAt = 0;
  let failed: MqttPacketError | undefined;

  const consume = (chunk: Uint8Array, onPacket: (p: P) => void): void => {
    let i = 0;
    const n = chunk.length;
    while (i < n) {
      if (!part) {
        let h = headLen ? null : readFixedHeader(chunk, i, n, maxPacket);
        // Fast path: a whole packet inside the chunk, nothing pending.
        if (h && i + h.size_ + h.length_ <= n) {
          const start = i + h.size_;
          onPacket(decodeBody(h.byte0_, chunk, start, (i = start + h.length_)));
          continue;
        }
        head[headLen++] = chunk[i++];
        if (!(h = readFixedHeader(head, 0, headLen, maxPacket))) continue;
        part = new Uint8Array((bodyAt = h.size_) + h.length_);
        part.set(head.subarray(0, (got = headLen)));
        headLen = 0;
      }
      const k = minOf(n - i, part.length - got);
      part.set(chunk.subarray(i, (i += k)), got);
      if ((got += k) === part.length) {
        const b = part;
        part = null;
        onPacket(decodeBody(b[0], b, bodyAt, got));
      }
    }
  };
  return {
    push_(chunk, onPacket) {
      if (failed) throw failed;
      try {
        consume(chunk, onPacket);
      } catch (e) {
        if (e instanceof MqttPacketError) failed = e;
        throw e;
      }
    },
  };
} as unknown as new <P = Packet>(maxPacket: number, decodeBody: BodyDecoder<P>) => PacketParser<P>;
