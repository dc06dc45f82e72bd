// Named events with any number of listeners: the client's one way of telling
// other parts that something changed.

function report(err) {
  // One listener's bug must not stop the others, nor be hidden.
  if (typeof globalThis.reportError === "function") globalThis.reportError(err);
  else console.error(err);
}

/** on(event, fn) returns the function that stops listening. */
export class Emitter {
  constructor() {
    this.listeners = new Map();
  }

  on(event, fn) {
    if (!this.listeners.has(event)) this.listeners.set(event, new Set());
    this.listeners.get(event).add(fn);
    return () => this.off(event, fn);
  }

  off(event, fn) {
    this.listeners.get(event)?.delete(fn);
  }

  emit(event, data) {
    for (const fn of [...(this.listeners.get(event) || [])]) {
      try {
        fn(data);
      } catch (err) {
        report(err);
      }
    }
  }
}

export { report };
