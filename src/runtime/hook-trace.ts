// Tracing (`mydocker --trace`, RuntimeOptions.trace): one line per tap, per hook call, per plugin's
// apply and per driver call, with who (the tap's, or the driver's plugin), how long and the outcome:
//   applyCgroups            mydocker:cgroups       3.2 ms  ok
//   applyCgroups            (1 tap)                3.4 ms  ok
//   bridge.join             mydocker:bridge        7.5 ms  ok
// The lines go to a sink the caller owns (the CLI's writes stderr): library code never prints.
// Installed by the plugin host only when a sink is given: otherwise nothing here runs at all.
import type * as Tapable from 'tapable';
import { PluginError, describe } from '../errors.js';

/** Receives each trace line, without a newline. */
export type TraceSink = (line: string) => void;

type AnyFn = (...args: unknown[]) => unknown;
type AnyHook = Tapable.Hook<unknown[], unknown>;

/** A hook call in progress: its taps report to it, the last one (or a throw) ends it. */
interface HookCall {
  readonly start: number;
  readonly taps: number;
  pending: number;
  readonly failed: string[];
}

/**
 * Traces a hook: a `register` interceptor times each tap, a `call` interceptor each call. Install it
 * after the host's own tap wrapping, so that it times the plugin's function as the host wraps it
 * (its throw a PluginError, or in a teardown collected in ctx.errors: both are seen here).
 */
export function traceHook(name: string, hook: AnyHook, sink: TraceSink): void {
  // Keyed by the hook's context (one object per call): concurrent calls of one hook, e.g. two
  // containers run by one script, are told apart.
  const calls = new WeakMap<object, HookCall>();
  const endCall = (ctx: object, call: HookCall): void => {
    calls.delete(ctx);
    const outcome = call.failed.length === 0 ? 'ok' : `failed: ${call.failed.join(', ')}`;
    sink(traceLine(name, `(${call.taps} tap${call.taps === 1 ? '' : 's'})`, performance.now() - call.start, outcome));
  };
  const tapEnded = (ctx: unknown, tap: string, run: TapRun, error: unknown, threw: boolean): void => {
    // A teardown tap that failed was collected in ctx.errors (by the host, or pushed by the tap).
    const collected = threw ? [] : errorsOf(ctx)?.slice(run.errorsBefore) ?? [];
    const failed = threw || collected.length > 0;
    sink(traceLine(name, tap, performance.now() - run.start, failed ? `failed: ${failureText(threw ? [error] : collected)}` : 'ok'));
    const call = isObject(ctx) ? calls.get(ctx) : undefined;
    if (!isObject(ctx) || call === undefined) return;
    if (failed) call.failed.push(tap);
    // A throw stops the hook (tapable runs no further tap); otherwise the last tap ends it.
    if (threw || --call.pending === 0) endCall(ctx, call);
  };

  hook.intercept({
    call: (ctx: unknown) => {
      if (!isObject(ctx)) return; // every hook's context is an object; without one, taps alone are traced
      // The taps this call runs: tapable compiles a call from the taps of that moment.
      const call: HookCall = { start: performance.now(), taps: hook.taps.length, pending: hook.taps.length, failed: [] };
      if (call.taps === 0) endCall(ctx, call);
      else calls.set(ctx, call);
    },
    register: (tap) => ({ ...tap, fn: timeTap(tap, tapEnded) }),
  });
}

/** One run of a tap: when it started, and how many errors its context held then. */
interface TapRun {
  readonly start: number;
  readonly errorsBefore: number;
}

function started(ctx: unknown): TapRun {
  return { start: performance.now(), errorsBefore: errorsOf(ctx)?.length ?? 0 };
}

/** A teardown context's ctx.errors, where failures are collected. */
function errorsOf(ctx: unknown): unknown[] | undefined {
  const errors = isObject(ctx) ? (ctx as { errors?: unknown }).errors : undefined;
  return Array.isArray(errors) ? errors : undefined;
}

/** The tap's function, timed from its start to its end in the tap's own style (sync, promise, callback). */
function timeTap(tap: Tapable.FullTap, ended: (ctx: unknown, tap: string, run: TapRun, error: unknown, threw: boolean) => void): AnyFn {
  const fn = (tap as Tapable.FullTap & { fn: AnyFn }).fn;
  if (tap.type === 'promise') {
    return async (ctx, ...rest) => {
      const run = started(ctx);
      try {
        const result = await fn(ctx, ...rest);
        ended(ctx, tap.name, run, undefined, false);
        return result;
      } catch (error) {
        ended(ctx, tap.name, run, error, true);
        throw error;
      }
    };
  }
  if (tap.type === 'async') {
    return (ctx, callback) => {
      const run = started(ctx);
      const done = callback as (error?: unknown, result?: unknown) => void;
      fn(ctx, (error?: unknown, result?: unknown) => {
        ended(ctx, tap.name, run, error, Boolean(error));
        done(error, result);
      });
    };
  }
  return (...args) => {
    const run = started(args[0]);
    try {
      const result = fn(...args);
      ended(args[0], tap.name, run, undefined, false);
      return result;
    } catch (error) {
      ended(args[0], tap.name, run, error, true);
      throw error;
    }
  };
}

/** Runs `fn` (sync or returning a promise) and traces it as `what` done by `who`. */
export function traced<T>(sink: TraceSink, what: string, who: string, fn: () => T): T {
  const start = performance.now();
  const end = (error?: unknown, failed = false): void => sink(traceLine(what, who, performance.now() - start, failed ? `failed: ${failureText([error])}` : 'ok'));
  let result: T;
  try {
    result = fn();
  } catch (error) {
    end(error, true);
    throw error;
  }
  if (result instanceof Promise) {
    return result.then(
      (value: unknown) => {
        end();
        return value;
      },
      (error: unknown) => {
        end(error, true);
        throw error;
      },
    ) as T;
  }
  end();
  return result;
}

/**
 * A driver whose every method call is traced as `<driver>.<method>` by the plugin that registered
 * it. The same object otherwise (a proxy): its properties and `this` are the driver's own.
 */
export function tracedDriver<D extends { readonly name: string }>(driver: D, plugin: string, sink: TraceSink): D {
  const wrapped = new Map<PropertyKey, AnyFn>();
  return new Proxy(driver, {
    get(target, key) {
      const value: unknown = Reflect.get(target, key, target);
      if (typeof value !== 'function' || key === 'constructor') return value;
      let fn = wrapped.get(key);
      if (fn === undefined) {
        const method = value as AnyFn;
        fn = (...args: unknown[]) => traced(sink, `${target.name}.${String(key)}`, plugin, () => method.apply(target, args));
        wrapped.set(key, fn);
      }
      return fn;
    },
  });
}

/** One line: what, who, duration, outcome; columns padded so that a run's lines align. */
export function traceLine(what: string, who: string, ms: number, outcome: string): string {
  return `${what.padEnd(22)}  ${who.padEnd(18)}  ${`${ms.toFixed(1)} ms`.padStart(9)}  ${outcome}`;
}

/** The failures' own messages on one line: a PluginError's cause, not its "plugin x failed" frame. */
function failureText(errors: readonly unknown[]): string {
  return errors
    .map((error) => describe(error instanceof PluginError ? error.cause : error))
    .join('; ')
    .replace(/\s*\n\s*/g, ' ');
}

function isObject(value: unknown): value is object {
  return (typeof value === 'object' && value !== null) || typeof value === 'function';
}
