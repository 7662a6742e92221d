'use strict';
// Test harness runner for JavaScript exercises (docs/exercise-format.md, docs/sandbox.md).
//
// Usage (inside the jail): node runner.js [--results-fd N] [--test-timeout-ms N]
//                                         [--output-limit N] [--dir DIR] TESTFILE...
//
// 1. Reads one nonce line from standard input, before anything else is loaded.
// 2. Loads the test files (never the learner's code: that happens lazily, through load()).
// 3. Writes a "plan" line naming every test, then runs the tests one at a time, each with a fresh
//    fake clock and its console output captured, and writes one "result" line per test.
// 4. Writes a "done" line and exits.
// Every line goes to the results descriptor (3 by default), never to stdout, and carries the nonce.
//
// What the nonce protects against: a submission that prints something that looks like results,
// writes a forged line to the results descriptor, or exits early and hopes the missing tests are
// counted as passed. Without the nonce such lines are ignored, and every planned test needs a
// result line of its own. What it does NOT protect against: learner code runs in this same
// process, so code written on purpose to subvert the runner (heap snapshots to find the nonce,
// patching intrinsics the engine itself uses) can forge results. That only fools the learner's
// own practice score; the jail, not the nonce, is the security boundary.

const fs = require('node:fs');
const nodeAssert = require('node:assert/strict');
const util = require('node:util');
const pathModule = require('node:path');

// References captured before any test or learner code runs, so that code which overrides
// globals (JSON.stringify, fs.writeSync, timers, console, process.exit...) cannot reach the
// runner's own channel or timing.
const writeSync = fs.writeSync;
const readSync = fs.readSync;
const stringify = JSON.stringify;
const format = util.format;
const inspect = util.inspect;
const apply = Reflect.apply;
const construct = Reflect.construct;
const objectFreeze = Object.freeze;
const objectKeys = Object.keys;
const bufferFrom = Buffer.from.bind(Buffer);
const bufferAlloc = Buffer.alloc.bind(Buffer);
const StringCtor = String;
const NumberCtor = Number;
const numberIsFinite = Number.isFinite;
const mathFloor = Math.floor;
const P = Promise;
const promiseResolve = Promise.resolve.bind(Promise);
const promiseThen = Promise.prototype.then;
const ErrorCtor = Error;
const TypeErrorCtor = TypeError;
const RealDate = Date;
const realDateNow = Date.now;
const realDateParse = Date.parse;
const realDateUTC = Date.UTC;
const realSetTimeout = setTimeout;
const realClearTimeout = clearTimeout;
const realSetInterval = setInterval;
const realClearInterval = clearInterval;
const realSetImmediate = setImmediate;
const nextTick = process.nextTick;
const hardExit = process.reallyExit.bind(process);
const processOn = process.on.bind(process);
const realConsole = globalThis.console;
const CONSOLE_METHODS = ['log', 'info', 'debug', 'warn', 'error', 'trace', 'dir', 'table'];
const realConsoleMethods = CONSOLE_METHODS.map((name) => realConsole[name]);
const realStdoutWrite = process.stdout.write;
const realStderrWrite = process.stderr.write;
const AssertionError = nodeAssert.AssertionError;

const EXIT_FATAL = 70;
const VIRTUAL_EPOCH = Date.UTC(2024, 0, 1); // 2024-01-01T00:00:00Z
const MAX_MESSAGE = 2000;
const MAX_TIMERS_PER_CALL = 100000;
const MAX_RUN_ALL = 10000;

// ---------------------------------------------------------------------------------------------
// Arguments and the results channel

function parseArgs(argv) {
  const options = { resultsFd: 3, testTimeoutMs: 5000, outputLimit: 4000, dir: __dirname, files: [] };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (arg === '--results-fd') options.resultsFd = NumberCtor(argv[(i += 1)]);
    else if (arg === '--test-timeout-ms') options.testTimeoutMs = NumberCtor(argv[(i += 1)]);
    else if (arg === '--output-limit') options.outputLimit = NumberCtor(argv[(i += 1)]);
    else if (arg === '--dir') options.dir = argv[(i += 1)];
    else options.files[options.files.length] = arg;
  }
  return options;
}

const options = parseArgs(process.argv.slice(2));
let NONCE = null;

function json(value) {
  // Only ever called with primitives (strings, numbers, null), so no toJSON hook can run.
  return value === null || value === undefined ? 'null' : stringify(value);
}

function emit(type, fields) {
  // The line is assembled from primitives by string concatenation: no learner-reachable object
  // ever holds the nonce, and nothing here calls a method a submission could have replaced.
  const line = '{"nonce":' + json(NONCE) + ',"type":' + json(type) + fields + '}\n';
  const buffer = bufferFrom(line, 'utf8');
  let offset = 0;
  try {
    while (offset < buffer.length) offset += writeSync(options.resultsFd, buffer, offset);
  } catch (_) {
    hardExit(EXIT_FATAL); // the channel is gone (closed by the submission?): nothing left to say
  }
}

function fatal(message) {
  if (NONCE !== null) emit('fatal', ',"message":' + json(clip(message)));
  else apply(realStderrWrite, process.stderr, ['runner: ' + message + '\n']);
  hardExit(EXIT_FATAL);
}

function readNonce() {
  const buffer = bufferAlloc(256);
  let length = 0;
  for (let attempts = 0; length < buffer.length && attempts < 1000; attempts += 1) {
    let count;
    try {
      count = readSync(0, buffer, length, buffer.length - length, null);
    } catch (err) {
      if (err && err.code === 'EAGAIN') continue;
      throw err;
    }
    if (count === 0) break;
    length += count;
    const newline = buffer.indexOf(10);
    if (newline !== -1 && newline < length) break;
  }
  const line = buffer.toString('utf8', 0, length).split('\n')[0].trim();
  if (!/^[0-9A-Za-z_-]{16,128}$/.test(line)) {
    apply(realStderrWrite, process.stderr, ['runner: no nonce on standard input\n']);
    hardExit(EXIT_FATAL);
  }
  return line;
}

// ---------------------------------------------------------------------------------------------
// Describing thrown values without trusting them

function clip(text, limit = MAX_MESSAGE) {
  const s = StringCtor(text);
  return s.length > limit ? s.slice(0, limit) + '… [truncated]' : s;
}

function safeInspect(value) {
  try {
    return inspect(value, { depth: 2, breakLength: Infinity, customInspect: false, getters: false, showProxy: true });
  } catch (_) {
    return 'a value that could not be described';
  }
}

function describe(err) {
  try {
    if (err === null) return 'null was thrown';
    const kind = typeof err;
    if (kind === 'string') return err === '' ? 'an empty string was thrown' : err;
    if (kind === 'undefined') return 'undefined was thrown';
    if (kind !== 'object' && kind !== 'function') return kind + ' ' + safeInspect(err) + ' was thrown';
    let name;
    let message;
    try {
      name = err.name;
      message = err.message;
    } catch (_) {
      return 'a value that could not be described was thrown';
    }
    if (typeof message === 'string') {
      if (err instanceof AssertionError) return message;
      const prefix = typeof name === 'string' && name !== '' ? name + ': ' : '';
      return prefix + message;
    }
    return safeInspect(err) + ' was thrown';
  } catch (_) {
    return 'a value that could not be described was thrown';
  }
}

// " (submission.js line 12)" when the error came out of the learner's code.
function learnerLocation(err) {
  try {
    if (err === null || typeof err !== 'object' || err instanceof AssertionError) return '';
    const stack = err.stack;
    if (typeof stack !== 'string') return '';
    const match = /submission\.js:(\d+):\d+/.exec(stack);
    return match ? ' (submission.js line ' + match[1] + ')' : '';
  } catch (_) {
    return '';
  }
}

// ---------------------------------------------------------------------------------------------
// Output capture, per test

let capture = null;

function captureText(text) {
  if (capture === null) return;
  const room = options.outputLimit - capture.text.length;
  if (room <= 0) capture.dropped += text.length;
  else if (text.length <= room) capture.text += text;
  else {
    capture.text += text.slice(0, room);
    capture.dropped += text.length - room;
  }
}

function captureArgs(args) {
  let text;
  try {
    text = apply(format, undefined, args);
  } catch (_) {
    text = '[output that could not be formatted]';
  }
  captureText(text + '\n');
}

function captureChunk(chunk, encoding, callback) {
  let text;
  try {
    text = typeof chunk === 'string' ? chunk : StringCtor(chunk);
  } catch (_) {
    text = '[output that could not be formatted]';
  }
  captureText(text);
  const done = typeof encoding === 'function' ? encoding : callback;
  if (typeof done === 'function') nextTick(done);
  return true;
}

const capturingConsole = CONSOLE_METHODS.map(() => (...args) => captureArgs(args));

function startCapture() {
  capture = { text: '', dropped: 0 };
  for (let i = 0; i < CONSOLE_METHODS.length; i += 1) realConsole[CONSOLE_METHODS[i]] = capturingConsole[i];
  process.stdout.write = captureChunk;
  process.stderr.write = captureChunk;
}

function stopCapture() {
  for (let i = 0; i < CONSOLE_METHODS.length; i += 1) realConsole[CONSOLE_METHODS[i]] = realConsoleMethods[i];
  process.stdout.write = realStdoutWrite;
  process.stderr.write = realStderrWrite;
  const captured = capture;
  capture = null;
  if (captured === null || (captured.text === '' && captured.dropped === 0)) return null;
  if (captured.dropped === 0) return captured.text;
  return captured.text + '\n… output truncated (' + captured.dropped + ' more characters)';
}

// ---------------------------------------------------------------------------------------------
// The fake clock. The global timer functions and Date are replaced by wrappers for the duration
// of each test; the wrappers delegate to the clock of the test that is running, so a reference a
// submission kept from an earlier test still talks to the current clock, and timers left over
// from one test never fire in the next.

let currentClock = null;
const timerState = new WeakMap(); // FakeTimeout -> { clock, id }

function newClock() {
  return { now: VIRTUAL_EPOCH, seq: 0, timers: new Map() };
}

class FakeTimeout {
  ref() {
    return this;
  }

  unref() {
    return this;
  }

  hasRef() {
    return true;
  }

  refresh() {
    const state = timerState.get(this);
    const timer = state && state.clock.timers.get(state.id);
    if (timer) {
      timer.at = state.clock.now + timer.delay;
      timer.seq = (state.clock.seq += 1);
    }
    return this;
  }

  close() {
    fakeClear(this);
    return this;
  }

  [Symbol.toPrimitive]() {
    const state = timerState.get(this);
    return state ? state.id : NaN;
  }
}

function normalizeDelay(delay) {
  const ms = NumberCtor(delay);
  // Node's rule: anything outside 1..2^31-1 (or not a number) becomes 1 ms.
  if (!(ms >= 1 && ms <= 2147483647)) return 1;
  return mathFloor(ms);
}

function addTimer(clock, callback, delay, args, repeat) {
  if (typeof callback !== 'function') {
    throw new TypeErrorCtor('The "callback" argument must be of type function. Received ' + typeof callback);
  }
  const ms = normalizeDelay(delay);
  clock.seq += 1;
  const handle = new FakeTimeout();
  const id = clock.seq;
  timerState.set(handle, { clock, id });
  clock.timers.set(id, { id, at: clock.now + ms, seq: clock.seq, delay: ms, callback, args, repeat, handle });
  return handle;
}

function fakeClear(handle) {
  const clock = currentClock;
  if (handle === null || handle === undefined) return;
  if (handle instanceof FakeTimeout) {
    const state = timerState.get(handle);
    if (state) state.clock.timers.delete(state.id);
    return;
  }
  if (typeof handle === 'number' || typeof handle === 'string') {
    if (clock) clock.timers.delete(NumberCtor(handle));
    return;
  }
  // A real Node timer (made outside a test, or through require('timers')).
  realClearTimeout(handle);
}

function fakeSetTimeout(callback, delay, ...args) {
  const clock = currentClock;
  if (clock === null) return realSetTimeout(callback, delay, ...args);
  return addTimer(clock, callback, delay, args, false);
}

function fakeSetInterval(callback, delay, ...args) {
  const clock = currentClock;
  if (clock === null) return realSetInterval(callback, delay, ...args);
  return addTimer(clock, callback, delay, args, true);
}

function fakeClearTimeout(handle) {
  if (currentClock === null && !(handle instanceof FakeTimeout)) return realClearTimeout(handle);
  return fakeClear(handle);
}

function fakeClearInterval(handle) {
  if (currentClock === null && !(handle instanceof FakeTimeout)) return realClearInterval(handle);
  return fakeClear(handle);
}

function virtualNow() {
  const clock = currentClock;
  return clock === null ? realDateNow() : mathFloor(clock.now);
}

function FakeDate(...args) {
  if (new.target === undefined) return construct(RealDate, [virtualNow()]).toString();
  if (args.length === 0) return construct(RealDate, [virtualNow()], new.target);
  return construct(RealDate, args, new.target);
}
FakeDate.prototype = RealDate.prototype;
FakeDate.now = function now() {
  return virtualNow();
};
FakeDate.parse = realDateParse;
FakeDate.UTC = realDateUTC;

function installClock() {
  currentClock = newClock();
  globalThis.setTimeout = fakeSetTimeout;
  globalThis.clearTimeout = fakeClearTimeout;
  globalThis.setInterval = fakeSetInterval;
  globalThis.clearInterval = fakeClearInterval;
  globalThis.Date = FakeDate;
}

function uninstallClock() {
  currentClock = null;
  globalThis.setTimeout = realSetTimeout;
  globalThis.clearTimeout = realClearTimeout;
  globalThis.setInterval = realSetInterval;
  globalThis.clearInterval = realClearInterval;
  globalThis.Date = RealDate;
}

function activeClock(what) {
  const clock = currentClock;
  if (clock === null) throw new ErrorCtor('clock.' + what + '() can only be used while a test runs');
  return clock;
}

// One turn of the real event loop: every pending promise callback (and process.nextTick) runs
// before an immediate does, however long the chain, so two turns settle what promises can settle.
function turn() {
  return new P((resolve) => realSetImmediate(resolve));
}

async function drain() {
  await turn();
  await turn();
}

function nextTimer(clock, limit) {
  let best = null;
  for (const timer of clock.timers.values()) {
    if (timer.at > limit) continue;
    if (best === null || timer.at < best.at || (timer.at === best.at && timer.seq < best.seq)) best = timer;
  }
  return best;
}

function fire(clock, timer, errors) {
  if (timer.at > clock.now) clock.now = timer.at;
  if (timer.repeat) {
    timer.at = clock.now + timer.delay;
    clock.seq += 1;
    timer.seq = clock.seq;
  } else {
    clock.timers.delete(timer.id);
  }
  try {
    apply(timer.callback, timer.handle, timer.args);
  } catch (err) {
    if (errors.length === 0) errors[0] = err;
  }
}

const clockApi = objectFreeze({
  now() {
    return mathFloor(activeClock('now').now);
  },
  pending() {
    return activeClock('pending').timers.size;
  },
  async flush() {
    activeClock('flush');
    await drain();
  },
  async tickAsync(ms) {
    const clock = activeClock('tickAsync');
    const step = NumberCtor(ms);
    if (!numberIsFinite(step) || step < 0) throw new TypeErrorCtor('clock.tickAsync(ms) needs a number of milliseconds >= 0');
    const target = clock.now + step;
    const errors = [];
    await drain();
    for (let fired = 0; ; fired += 1) {
      if (fired >= MAX_TIMERS_PER_CALL) throw new ErrorCtor('clock.tickAsync fired ' + fired + ' timers without reaching the target time');
      const timer = nextTimer(clock, target);
      if (timer === null) break;
      fire(clock, timer, errors);
      await drain();
    }
    if (clock.now < target) clock.now = target;
    await drain();
    if (errors.length > 0) throw errors[0];
  },
  async runAllAsync() {
    const clock = activeClock('runAllAsync');
    const errors = [];
    await drain();
    for (let fired = 0; clock.timers.size > 0; fired += 1) {
      if (fired >= MAX_RUN_ALL) {
        throw new ErrorCtor('clock.runAllAsync gave up after ' + MAX_RUN_ALL + ' timers (' + clock.timers.size + ' still pending: an interval that is never cleared?)');
      }
      fire(clock, nextTimer(clock, Infinity), errors);
      await drain();
    }
    if (errors.length > 0) throw errors[0];
  },
});

// ---------------------------------------------------------------------------------------------
// Tests, load(), and the run

const tests = [];
let registering = true;
let loadingFile = null;

function test(name, fn) {
  if (!registering) throw new ErrorCtor('test() must be called while a test file loads, not inside a test');
  if (typeof name !== 'string' || name === '') throw new TypeErrorCtor('test(name, fn): name must be a non-empty string');
  if (typeof fn !== 'function') throw new TypeErrorCtor('test(name, fn): fn must be a function');
  tests[tests.length] = { id: tests.length, name, fn, file: loadingFile };
}

class ExitCalled extends ErrorCtor {}
class LoadFailure extends ErrorCtor {}
const TIMED_OUT = { timedOut: true };
// An exception thrown outside the test's promise chain (in a callback or an event handler).
class Uncaught {
  constructor(error) {
    this.error = error;
  }
}
// A promise rejected while the test ran, with no handler by the end of that turn of the loop.
class UnhandledRejection {
  constructor(reason) {
    this.reason = reason;
  }
}

let loaded = null; // { ok: true, exports } | { ok: false, message }

function load() {
  if (loaded === null) {
    try {
      loaded = { ok: true, exports: require(pathModule.join(options.dir, 'submission.js')) };
    } catch (err) {
      const reason = err instanceof ExitCalled ? err.message : describe(err) + learnerLocation(err);
      loaded = { ok: false, message: reason };
    }
  }
  if (!loaded.ok) throw new LoadFailure(loaded.message);
  return loaded.exports;
}

// A frozen copy, so a submission that patches require('node:assert') cannot make checks pass.
function frozenAssert() {
  const copy = function assert(...args) {
    return apply(nodeAssert, undefined, args);
  };
  for (const key of objectKeys(nodeAssert)) copy[key] = nodeAssert[key];
  copy.strict = copy;
  return objectFreeze(copy);
}

let active = null; // { fail(err) } for the test that is running

// An exception nobody catches (a throw inside a real setImmediate callback, say) fails the test
// that is running; Node itself would have crashed.
function onUncaughtException(err) {
  if (active !== null) active.fail(new Uncaught(err));
}

// A rejected promise nobody handles fails the test that is running, as Node itself would have
// crashed the process (its default --unhandled-rejections=throw): code that leaks a rejection,
// and never settles what the test awaits, must not pass.
function onUnhandledRejection(reason) {
  if (active !== null) active.fail(new UnhandledRejection(reason));
}

async function runOne(entry) {
  installClock();
  startCapture();
  let outcome;
  let timer = null;
  let late = null; // an uncaught error or unhandled rejection reported after the test settled
  try {
    await new P((resolve, reject) => {
      active = {
        fail(err) {
          if (late === null) late = err;
          reject(err);
        },
      };
      timer = realSetTimeout(() => reject(TIMED_OUT), options.testTimeoutMs);
      let value;
      try {
        value = entry.fn();
      } catch (err) {
        reject(err);
        return;
      }
      apply(promiseThen, promiseResolve(value), [resolve, reject]);
    });
    // Node reports a rejection nobody handled once the microtasks of a turn have run: give it
    // the turns in which one left behind by this test would surface.
    await drain();
    outcome = late === null ? { status: 'pass', message: null, kind: null } : classify(late);
  } catch (err) {
    outcome = classify(err);
  } finally {
    active = null;
    if (timer !== null) realClearTimeout(timer);
    uninstallClock();
  }
  outcome.output = stopCapture();
  return outcome;
}

function classify(err) {
  if (err === TIMED_OUT) {
    const seconds = options.testTimeoutMs / 1000;
    return {
      status: 'error',
      kind: 'timeout',
      message: 'The test did not finish within ' + seconds + ' s: a promise that never settles, or a timer nobody advances?',
    };
  }
  if (err instanceof LoadFailure) {
    return { status: 'error', kind: 'load', message: 'Your code could not be loaded: ' + err.message };
  }
  if (err instanceof ExitCalled) return { status: 'error', kind: 'exit', message: err.message };
  if (err instanceof Uncaught) {
    const where = 'Uncaught exception (thrown in a callback or event handler, outside any promise): ';
    return { status: 'fail', kind: null, message: clip(where + describe(err.error) + learnerLocation(err.error)) };
  }
  if (err instanceof UnhandledRejection) {
    const where = 'Unhandled promise rejection (a promise rejected and nothing handled it): ';
    return { status: 'fail', kind: null, message: clip(where + describe(err.reason) + learnerLocation(err.reason)) };
  }
  return { status: 'fail', kind: null, message: clip(describe(err) + learnerLocation(err)) };
}

function blockExit(what) {
  return function exitCalled(code) {
    const shown = code === undefined ? '' : safeInspect(code);
    throw new ExitCalled('Your code called ' + what + '(' + shown + ') during the test');
  };
}

async function main() {
  NONCE = readNonce();
  const api = objectFreeze({ test, assert: frozenAssert(), clock: clockApi, load });
  for (const file of options.files) {
    loadingFile = file;
    let factory;
    try {
      factory = require(pathModule.resolve(options.dir, file));
    } catch (err) {
      fatal('the test file ' + file + ' failed to load: ' + describe(err));
    }
    if (typeof factory !== 'function') fatal('the test file ' + file + ' must export a function ({ test, assert, clock, load }) => { ... }');
    try {
      const result = factory(api);
      if (result && typeof result.then === 'function') await result;
    } catch (err) {
      fatal('the test file ' + file + ' failed while registering tests: ' + describe(err));
    }
  }
  registering = false;
  loadingFile = null;
  if (tests.length === 0) fatal('the test files define no tests');

  let plan = '';
  for (let i = 0; i < tests.length; i += 1) {
    const entry = tests[i];
    plan += (plan === '' ? '' : ',') + '{"id":' + entry.id + ',"name":' + json(entry.name) + ',"file":' + json(entry.file) + '}';
  }
  emit('plan', ',"tests":[' + plan + ']');

  // From here on the learner's code may run. It cannot end the process quietly.
  process.exit = blockExit('process.exit');
  process.reallyExit = blockExit('process.reallyExit');
  processOn('uncaughtException', onUncaughtException);
  processOn('unhandledRejection', onUnhandledRejection);

  for (let i = 0; i < tests.length; i += 1) {
    const entry = tests[i];
    const outcome = await runOne(entry);
    emit(
      'result',
      ',"id":' + entry.id +
        ',"status":' + json(outcome.status) +
        ',"message":' + json(outcome.message === null ? null : clip(outcome.message)) +
        ',"output":' + json(outcome.output) +
        ',"kind":' + json(outcome.kind),
    );
  }
  emit('done', '');
  hardExit(0);
}

main().catch((err) => fatal('the runner failed: ' + describe(err)));
