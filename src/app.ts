import { startBackground } from './app-background.js';
import { createAppWith, type App, type AppOptions } from './app-core.js';

export { ANCHOR_EVERY, createAppWith, type App, type AppOptions } from './app-core.js';

/** An app with everything running when it returns: the runner, recovery and the scheduler included. */
export function createApp(options: AppOptions): App {
  const app = createAppWith(options, startBackground);
  // The background parts start synchronously here, so runner and scheduler are set before this returns.
  void app.ready();
  return app;
}
