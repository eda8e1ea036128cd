// A request the service will not carry out, as a value: the HTTP status, a
// stable code a kiosk or a script can act on, and a sentence for people.
// The service answers it as {"error": code, "reason": sentence}.
export class Refused extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'Refused';
  }
}
