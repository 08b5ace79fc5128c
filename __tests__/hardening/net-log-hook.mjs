// Preloaded into the action under test (NODE_OPTIONS=--import): records every outgoing TCP connection
// and every DNS lookup the process makes, one JSON line each, in the file named by GG_NET_LOG.
// It observes only; it changes no behaviour.
import { appendFileSync } from 'node:fs';
import dns from 'node:dns';
import net from 'node:net';
import process from 'node:process';

const log = process.env.GG_NET_LOG;
const record = (entry) => {
  try {
    appendFileSync(log, JSON.stringify(entry) + '\n');
  } catch {
    // never let the observer break the observed
  }
};

if (log) {
  const connect = net.Socket.prototype.connect;
  net.Socket.prototype.connect = function (...args) {
    let target = args[0];
    if (Array.isArray(target)) target = target[0]; // internal normalized form
    if (target && typeof target === 'object') record({ type: 'connect', host: target.host ?? 'localhost', port: target.port, path: target.path });
    else if (typeof target === 'number' || (typeof target === 'string' && /^\d+$/.test(target))) record({ type: 'connect', host: typeof args[1] === 'string' ? args[1] : 'localhost', port: Number(target) });
    else if (typeof target === 'string') record({ type: 'connect', path: target });
    return connect.apply(this, args);
  };
  const lookup = dns.lookup;
  dns.lookup = function (hostname, ...rest) {
    record({ type: 'lookup', host: hostname });
    return lookup.call(this, hostname, ...rest);
  };
  const promiseLookup = dns.promises.lookup;
  dns.promises.lookup = function (hostname, ...rest) {
    record({ type: 'lookup', host: hostname });
    return promiseLookup.call(this, hostname, ...rest);
  };
}
