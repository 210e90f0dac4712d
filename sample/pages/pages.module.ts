import { Logger, Module } from '@nestjs/common';
import { SampleSettings } from '../sample.settings';
import { PagesController } from './pages.controller';
import { PublicAssets } from './public-assets';

@Module({
  controllers: [PagesController],
  providers: [
    {
      provide: PublicAssets,
      inject: [SampleSettings],
      useFactory: (settings: SampleSettings) => {
        const assets = PublicAssets.load({ clientDir: settings.clientDir });
        if (!assets.clientDir) {
          // HTTP routes still work without it; the pages cannot, so say how to fix it.
          new Logger('PagesModule').warn(
            'The browser client is not built, so the pages at / and /phone cannot run: run "npm run build:client" (npm start does it).',
          );
        }
        return assets;
      },
    },
  ],
})
export class PagesModule {}
