import { createSampleApp } from './sample.app';
import { readSampleEnv } from './sample.env';
import { openStoreFromEnv, storeLabel } from './sample.store';

async function main(): Promise<void> {
  const env = readSampleEnv(process.env);
  const store = await openStoreFromEnv(process.env);
  const { app } = await createSampleApp({ ...env, store });
  // Closes the store (and its connections) on Ctrl-C or a container stop.
  app.enableShutdownHooks();
  console.log(`nestjs-qr-login sample (${env.adapter}, ${storeLabel(store)} store) is running at ${env.publicUrl}`);
}

main().catch((error: unknown) => {
  console.error(`The sample could not start: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
