import type { Cases } from '../support/cases';
import { eq, deepEq, ok, throws } from '../support/check';
import { sensorIdProblem, checkSensorId, streamTopic, statusTopic, commandFilters, commandName } from '../../src/transport/topics';
import { parseBrokerUrl, redactBrokerUrl } from '../../src/transport/url';
import { statusPayload } from '../../src/transport/status';
import { streamArgv } from '../../src/transport/stream';
import { utf8Decode } from '../../src/compat/utf8';

export const cases: Cases = {
  'sensor ids: topic-safe characters only, not "all"': () => {
    for (const good of ['rtr-1', 'lab_router.home', 'aa:bb:cc:dd:ee:ff', 'x']) eq(sensorIdProblem(good), null, good);
    for (const [bad, why] of [['', 'empty'], ['a/b', '"/"'], ['a+', '"+"'], ['#', '"#"'], ['a b', '" "'], ['all', 'reserved'],
      ['x'.repeat(65), 'longer than 64'], ['é', '"é"'], ['a\u0000', '"\\u0000"']]) {
      const p = sensorIdProblem(bad);
      ok(p !== null && p.indexOf(why) >= 0, `${JSON.stringify(bad)}: ${p}`);
    }
    throws(() => checkSensorId('a/b'), 'sensor id "a/b" has "/" at 1');
  },
  'topics for streams, status and commands': () => {
    eq(streamTopic('r1', 'dns'), 'netledger/v1/r1/dns');
    eq(streamTopic('r1', 'health'), 'netledger/v1/r1/health');
    throws(() => streamTopic('r1', 'status'), 'unknown stream "status"');
    eq(statusTopic('r1'), 'netledger/v1/r1/status');
    deepEq(commandFilters('r1'), ['netledger/v1/r1/cmd/#', 'netledger/v1/all/cmd/#']);
    eq(commandName('r1', 'netledger/v1/r1/cmd/ioc'), 'ioc');
    eq(commandName('r1', 'netledger/v1/all/cmd/ioc'), 'ioc');
    eq(commandName('r1', 'netledger/v1/r2/cmd/ioc'), null, 'other sensor');
    eq(commandName('r1', 'netledger/v1/r1/cmd/ioc/extra'), null, 'deeper level');
    eq(commandName('r1', 'netledger/v1/r1/cmd/'), null, 'empty name');
    eq(commandName('r1', 'netledger/v1/r1/cmd/IOC'), null, 'upper case');
    eq(commandName('r1', 'netledger/v1/r1/cmd/' + 'a'.repeat(33)), null, 'too long');
  },
  'broker URLs: defaults, credentials, IPv6, and clear refusals': () => {
    deepEq(parseBrokerUrl('mqtt://10.0.0.1'), { scheme: 'mqtt', host: '10.0.0.1', port: 1883 });
    deepEq(parseBrokerUrl('mqtts://broker.example:8884/'), { scheme: 'mqtts', host: 'broker.example', port: 8884 });
    deepEq(parseBrokerUrl('mqtt://user:p%40ss%3Aw@[2001:db8::1]:1884'), { scheme: 'mqtt', host: '2001:db8::1', port: 1884, username: 'user', password: 'p@ss:w' });
    deepEq(parseBrokerUrl('MQTT://u@h'), { scheme: 'mqtt', host: 'h', port: 1883, username: 'u' });
    eq(redactBrokerUrl(parseBrokerUrl('mqtt://user:secret@[::1]:1')), 'mqtt://user:***@[::1]:1');
    const bad: [string, string][] = [
      ['broker:1883', '"broker:1883" has no scheme'], ['http://h', 'unsupported scheme "http"'], ['mqtt://', 'empty host'],
      ['mqtt://h:', 'empty port'], ['mqtt://h:0', 'port 0 out of range'], ['mqtt://h:70000', 'port 70000 out of range'],
      ['mqtt://h:99999999999999999999999', 'port 99999999999999999999999 out of range'], // as typed, not 1e+23
      ['mqtt://h:12a', 'invalid port "12a"'], ['mqtt://h/topic', 'a path is not allowed'], ['mqtt://-oProxy', 'host may not start with "-"'],
      ['mqtt://h;rm', 'invalid character ";"'], ['mqtt://[::1', 'unclosed ['], ['mqtt://:pw@h', 'empty user name'],
      ['mqtt://u:%zz@h', 'bad percent-encoding in password'], ['mqtt://h?x=1', 'query or fragment'],
    ];
    for (const [u, msg] of bad) throws(() => parseBrokerUrl(u), `broker url: ${msg}`, u);
  },
  'status payload is the status event as JSON, type first': () => {
    const info = { sensor: 'r1', version: '0.1.0', started: 1700000000, capabilities: ['dns', 'flow'] };
    const text = utf8Decode(statusPayload(info, 'offline', 1700000005));
    eq(text, '{"type":"status","ts":1700000005,"sensor":"r1","state":"offline","version":"0.1.0","started":1700000000,"capabilities":["dns","flow"]}');
    const withHash = JSON.parse(utf8Decode(statusPayload({ ...info, config_hash: 'abc' }, 'online', 1)));
    eq(withHash.config_hash, 'abc');
  },
  'child argv: nc for mqtt://, openssl s_client with verification for mqtts://': () => {
    deepEq(streamArgv(parseBrokerUrl('mqtt://10.0.0.1:1884')), ['nc', '10.0.0.1', '1884']);
    deepEq(streamArgv(parseBrokerUrl('mqtt://h'), { nc_: ['busybox', 'nc'] }), ['busybox', 'nc', 'h', '1883']);
    deepEq(streamArgv(parseBrokerUrl('mqtts://broker.lan'), { tls_: { ca_file: '/etc/ca.pem' } }),
      ['openssl', 's_client', '-quiet', '-verify_return_error', '-CAfile', '/etc/ca.pem', '-verify_hostname', 'broker.lan', '-servername', 'broker.lan', '-connect', 'broker.lan:8883']);
    deepEq(streamArgv(parseBrokerUrl('mqtts://[::1]:8884'), { tls_: { ca_file: 'ca', cert_file: 'c', key_file: 'k', serverName_: 'broker.lan' } }),
      ['openssl', 's_client', '-quiet', '-verify_return_error', '-CAfile', 'ca', '-cert', 'c', '-key', 'k', '-verify_hostname', 'broker.lan', '-servername', 'broker.lan', '-connect', '[::1]:8884']);
    // no CA file (absent or '', as the config's default): the system bundle; '' cert and key: none
    for (const tls_ of [undefined, { ca_file: '', cert_file: '', key_file: '' }]) {
      deepEq(streamArgv(parseBrokerUrl('mqtts://192.0.2.1'), { tls_ }),
        ['openssl', 's_client', '-quiet', '-verify_return_error', '-CAfile', '/etc/ssl/certs/ca-certificates.crt', '-verify_hostname', '192.0.2.1', '-connect', '192.0.2.1:8883']);
    }
    // verify_hostname 0: no name check, the chain still verified against the CA file (and SNI still sent)
    deepEq(streamArgv(parseBrokerUrl('mqtts://broker.lan'), { tls_: { ca_file: '/etc/ca.pem', verify_hostname: false } }),
      ['openssl', 's_client', '-quiet', '-verify_return_error', '-CAfile', '/etc/ca.pem', '-servername', 'broker.lan', '-connect', 'broker.lan:8883']);
    eq(streamArgv(parseBrokerUrl('mqtts://h'), { tls_: { verify_hostname: true } }).indexOf('-verify_hostname'), 6);
    throws(() => streamArgv(parseBrokerUrl('mqtts://h'), { tls_: { ca_file: 'ca', cert_file: 'c' } }), 'needs both cert and key');
    throws(() => streamArgv(parseBrokerUrl('mqtts://h'), { tls_: { key_file: 'k', cert_file: '' } }), 'needs both cert and key');
  },
};
