/**
 * The session envelope shared by `dvcqg` sources and the national feed (docs/contracts.md,
 * The session envelope): log in once, POST `{session, madonvi, service, ...params}`, log in again and repeat
 * when a reply says the session expired ("401").
 */
import { loginReply, isSuccess, serviceReply, type ServiceReply } from '../../../schemas/dvcqg.js';
import { AuthExpiredError, PermanentError, ServiceRefusal, TransientError } from '../../util/errors.js';
import type { BodyReader, HttpClient } from '../../http/client.js';

export interface Credentials {
  username: string;
  password: string;
}

export class EnvelopeClient {
  private session: Promise<string> | undefined;
  logins = 0;

  constructor(
    private readonly http: HttpClient,
    private readonly name: string,
    private readonly baseUrl: string,
    private readonly credentials: Credentials,
  ) {}

  private login(): Promise<string> {
    this.session ??= (async () => {
      this.logins++;
      const raw = await this.http.postJson(`${this.baseUrl}/auth/login`, this.credentials);
      const reply = loginReply.safeParse(raw);
      if (!reply.success) throw new TransientError(`${this.name}: login reply is not in the expected shape`);
      if (!isSuccess(reply.data.error_code) || !reply.data.session) {
        throw new PermanentError(
          `${this.name}: login refused (error_code ${reply.data.error_code}${reply.data.message ? `: ${reply.data.message}` : ''})`,
        );
      }
      return reply.data.session;
    })().catch((err: unknown) => {
      this.session = undefined;
      throw err;
    });
    return this.session;
  }

  /**
   * Calls one service; on success returns the whole reply, otherwise throws naming the service.
   * With `read`, the reply's bytes are read by it (`HttpClient.postJson`): it returns the reply
   * as the envelope's schema reads it.
   */
  async call(
    madonvi: string,
    service: string,
    params: Record<string, unknown>,
    read?: BodyReader,
  ): Promise<ServiceReply> {
    for (let attempt = 0; ; attempt++) {
      const session = await this.login();
      let raw: unknown;
      try {
        raw = await this.http.postJson(
          `${this.baseUrl}/service`,
          { session, madonvi, service, ...params },
          {},
          { read },
        );
      } catch (err) {
        if (!(err instanceof AuthExpiredError) || attempt > 0) throw err;
        this.expire();
        continue;
      }
      const reply = serviceReply.safeParse(raw);
      if (!reply.success) throw new TransientError(`${this.name}: ${service}: reply is not in the expected shape`);
      const code = reply.data.error_code;
      if (isSuccess(code)) return reply.data;
      if (String(code) === '401' && attempt === 0) {
        this.expire();
        continue;
      }
      // A failure inside HTTP 200: the job's own attempts decide how often to try again.
      throw new ServiceRefusal(
        `${this.name}: ${service}: error_code ${code}${reply.data.message ? `: ${reply.data.message}` : ''}`,
      );
    }
  }

  private expire(): void {
    this.session = undefined;
  }
}
