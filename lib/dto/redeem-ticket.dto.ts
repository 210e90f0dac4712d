import { IsNotEmpty, IsString, MaxLength } from 'class-validator';

/** Body of `POST /<prefix>/login`. */
export class RedeemTicketDto {
  /** The ticket of an AUTHORIZED code, as its status showed it. */
  @IsString()
  @IsNotEmpty()
  @MaxLength(256)
  ticket!: string;
}
