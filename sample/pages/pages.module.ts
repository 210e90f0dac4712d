import { Module } from '@nestjs/common';
import { PagesController } from './pages.controller';
import { PublicAssets } from './public-assets';

@Module({
  controllers: [PagesController],
  providers: [{ provide: PublicAssets, useFactory: () => PublicAssets.load() }],
})
export class PagesModule {}
