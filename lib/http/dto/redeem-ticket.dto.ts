import { IsNotEmpty, IsString, MaxLength } from 'class-validator';
import { ApiProperty } from '../qr-login.openapi';

/** Body of `POST /<prefix>/login`. @internal */
export class RedeemTicketDto {
  /** The ticket of an AUTHORIZED code, as its status showed it. */
  @ApiProperty({ description: 'The ticket of an AUTHORIZED code, as its status showed it to the creator.' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(256)
  ticket!: string;
}
