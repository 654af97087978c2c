// A DNS server that answers every query with SERVFAIL (RFC 1035 §4.1.1 RCODE 2), echoing the
// question. The lab's upstream for sf.test: dnsmasq itself cannot be made to reply SERVFAIL.
// usage: node servfail-server.mjs ADDRESS [PORT]
import { createSocket } from 'node:dgram';

const [address, port = '53'] = process.argv.slice(2);
if (!address) {
  process.stderr.write('usage: servfail-server.mjs ADDRESS [PORT]\n');
  process.exit(2);
}
const sock = createSocket(address.includes(':') ? 'udp6' : 'udp4');
sock.on('message', (msg, peer) => {
  if (msg.length < 12) return; // not even a header: nothing to answer
  const out = Buffer.from(msg);
  out[2] = 0x80 | (msg[2] & 0x79); // QR=1, keep opcode and RD
  out[3] = 0x80 | 2; // RA=1, RCODE=SERVFAIL
  out.writeUInt16BE(0, 6); // no answers
  out.writeUInt16BE(0, 8); // no authority
  out.writeUInt16BE(0, 10); // drop any additional (EDNS OPT) records
  // Keep only the header and the first question: find the end of QNAME, then QTYPE+QCLASS.
  let i = 12;
  while (i < out.length && out[i] !== 0) i += out[i] + 1;
  const end = Math.min(out.length, i + 5);
  out.writeUInt16BE(msg.readUInt16BE(4) > 0 ? 1 : 0, 4);
  sock.send(out.subarray(0, end), peer.port, peer.address);
});
sock.on('error', (e) => {
  process.stderr.write(`servfail-server: ${e.message}\n`);
  process.exit(1);
});
sock.bind(Number(port), address);
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => process.exit(0));
