import { IsNotEmpty, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { ApiProperty, ApiPropertyOptional } from '../../../plugin';

/** Body of `POST /<prefix>/wechat/miniprogram/{scan|confirm|cancel}`. @internal */
export class WechatMiniProgramActionDto {
  /** The code's id: the mini-program page's `options.scene` (URL-decoded). */
  @ApiProperty({
    description: "The code's id: the mini-program page's options.scene (URL-decoded)",
    pattern: '^[A-Za-z0-9_-]{27}$',
  })
  @IsString()
  @Matches(/^[A-Za-z0-9_-]{27}$/, { message: 'qrcodeId must be the 27-character id the page got as options.scene' })
  qrcodeId!: string;

  /** A fresh `wx.login()` code; each works once. */
  @ApiProperty({ description: 'A fresh wx.login() code; each works once', maxLength: 128 })
  @IsString()
  @IsNotEmpty()
  @MaxLength(128)
  code!: string;

  /** Which mini-program connection the page belongs to. Default: the one that made the code. */
  @ApiPropertyOptional({
    description: 'Which mini-program connection the page belongs to; default: the one that made the code',
    maxLength: 64,
  })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  connectionId?: string;

  /** CONFIRM with number matching on: the number the user picked among the scan's `matchChoices`. */
  @ApiPropertyOptional({
    description: "CONFIRM with number matching on: the number the user picked among the scan's matchChoices",
    maxLength: 16,
  })
  @IsOptional()
  @IsString()
  @MaxLength(16)
  matchCode?: string;
}
