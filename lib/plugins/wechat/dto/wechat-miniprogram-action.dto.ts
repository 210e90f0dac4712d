import { IsNotEmpty, IsOptional, IsString, Matches, MaxLength } from 'class-validator';

/** Body of `POST /<prefix>/wechat/miniprogram/{scan|confirm|cancel}`. */
export class WechatMiniProgramActionDto {
  /** The code's id: the mini-program page's `options.scene` (URL-decoded). */
  @IsString()
  @Matches(/^[A-Za-z0-9_-]{27}$/, { message: 'qrcodeId must be the 27-character id the page got as options.scene' })
  qrcodeId!: string;

  /** A fresh `wx.login()` code; each works once. */
  @IsString()
  @IsNotEmpty()
  @MaxLength(128)
  code!: string;

  /** Which mini-program connection the page belongs to. Default: the first enabled one. */
  @IsOptional()
  @IsString()
  @MaxLength(64)
  connectionId?: string;

  /** CONFIRM with number matching on: the number the user picked among the scan's `matchChoices`. */
  @IsOptional()
  @IsString()
  @MaxLength(16)
  matchCode?: string;
}
