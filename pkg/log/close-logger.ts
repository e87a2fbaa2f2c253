import type winston from 'winston';

/**
 * Ends the logger and resolves once every transport has flushed (for a file: written to the
 * file), e.g. before the process exits. Nothing may be logged afterwards.
 */
export function closeLogger(logger: winston.Logger): Promise<void> {
  return new Promise((resolve, reject) => {
    logger.once('finish', () => resolve());
    logger.once('error', reject);
    logger.end();
  });
}
