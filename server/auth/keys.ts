/**
 * Keys the server derives from the instructor token (HKDF-SHA256, one per purpose), so a
 * course needs no further secret: rotating the token signs everyone out and changes every
 * student link, which is what one wants after a leak.
 */
import { createHmac, hkdfSync } from 'node:crypto';
import type { CourseConfig } from '../../grader/config/course-config-schema';

export type KeyPurpose = 'session' | 'csrf' | 'student-link';

export class ServerKeys {
  private readonly keys = new Map<KeyPurpose, Buffer>();

  constructor(private readonly config: CourseConfig) {}

  key(purpose: KeyPurpose): Buffer {
    let key = this.keys.get(purpose);
    if (key === undefined) {
      key = Buffer.from(hkdfSync('sha256', this.config.secrets.instructorToken.reveal(), `nn2-grader:${this.config.course}`, purpose, 32));
      this.keys.set(purpose, key);
    }
    return key;
  }

  /** base64url HMAC-SHA256 of `message` under the purpose's key. */
  mac(purpose: KeyPurpose, message: string): string {
    return createHmac('sha256', this.key(purpose)).update(message).digest('base64url');
  }
}
