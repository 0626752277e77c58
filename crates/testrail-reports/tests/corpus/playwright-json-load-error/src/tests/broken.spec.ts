// A spec file that fails while loading: Playwright reports it only in the top-level `errors`.
import { test } from '@playwright/test';

throw new Error('fixture file orders.json is missing');

test('C5008 never collected', async () => {});
