import { describe, expect, it } from 'vitest';
import { imageNameFor, parseHerokuManifest } from '../src/heroku-manifest.ts';

describe('heroku.yml', () => {
  it('is absent: no plan', () => {
    expect(parseHerokuManifest(null)).toBeNull();
  });

  it("reads Heroku's whole form: a Dockerfile shared by two names, build args (a value, or empty for the app's config var), release and run", () => {
    const plan = parseHerokuManifest(
      [
        'setup:',
        '  addons: [{ plan: heroku-postgresql }]',
        'build:',
        '  docker:',
        '    web: api/Dockerfile',
        '    worker: api/Dockerfile',
        '  config:',
        '    RAILS_ENV: production',
        '    WORKERS: 4',
        '    NPM_TOKEN:',
        'release:',
        '  command:',
        '    - ./migrate.sh',
        '    - --all',
        '  image: worker',
        'run:',
        '  web: bundle exec puma',
        '  worker:',
        '    command: [./worker, --queue, default]',
        '    image: web',
        '',
      ].join('\n'),
    );
    expect(plan).toEqual({
      images: { web: 'api/Dockerfile', worker: 'api/Dockerfile' },
      buildArgs: { RAILS_ENV: 'production', WORKERS: '4', NPM_TOKEN: null },
      run: { web: 'bundle exec puma', worker: './worker --queue default' },
      release: './migrate.sh --all',
      imageChoices: { release: 'worker', worker: 'web' },
    });
    expect(parseHerokuManifest('build:\n  docker:\n    web: Dockerfile\n')).toEqual({ images: { web: 'Dockerfile' }, buildArgs: {}, run: {}, release: null, imageChoices: {} });
  });

  it("builds one image per process type (Heroku's form); a type runs its image:, its own name's, else web's", () => {
    const plan = parseHerokuManifest(
      [
        'build:',
        '  docker:',
        '    web: Dockerfile',
        '    worker: worker/Dockerfile',
        'release:',
        '  command: [./migrate]',
        '  image: worker',
        'run:',
        '  clock: ./clock',
        '  mailer: { command: ./mail, image: worker }',
        '  constructor: ./odd-name',
        '',
      ].join('\n'),
    )!;
    expect(plan.images).toEqual({ web: 'Dockerfile', worker: 'worker/Dockerfile' });
    expect(['web', 'worker', 'release', 'clock', 'mailer', 'constructor', 'run'].map((t) => imageNameFor(plan, t))).toEqual([
      'web',
      'worker',
      'worker',
      'web',
      'worker',
      'web',
      'web',
    ]);
    // Without a web image, a type needs an image of its own name or an image: choice.
    const noWeb = parseHerokuManifest('build:\n  docker:\n    worker: Dockerfile\n')!;
    expect([imageNameFor(noWeb, 'worker'), imageNameFor(noWeb, 'clock'), imageNameFor(noWeb, 'toString')]).toEqual(['worker', null, null]);
  });

  it.each([
    ['build: [', /^heroku\.yml: not valid YAML: /],
    ['- a\n- b\n', /must be a YAML map/],
    ['biuld:\n  docker:\n    web: Dockerfile\n', /unknown section "biuld" \(known: setup, build, release, run\)/],
    ['run:\n  web: ./x\n', /no build section: .*Remove heroku\.yml to build with buildpacks/],
    ['build:\n  languages: [ruby]\n', /build\.languages is not supported/],
    ['build:\n  docker: {}\n', /build\.docker must map process types/],
    ['build:\n  docker:\n    web: ../Dockerfile\n', /build\.docker\.web must be a relative path inside the repository/],
    ['build:\n  docker:\n    web: /etc/Dockerfile\n', /must be a relative path/],
    ['build:\n  docker:\n    web: a/./Dockerfile\n', /must be a relative path/],
    ['build:\n  docker:\n    worker: Dockerfile\nrun:\n  clock: ./clock\n', /run\.clock has no image to run in: build\.docker builds no "clock" image and no web image \(it builds: worker\)\. Add clock to build\.docker, or choose one with "image:"/],
    ['build:\n  docker:\n    worker: Dockerfile\nrelease:\n  command: [./m]\n', /release has no image to run in/],
    ['build:\n  docker:\n    web: Dockerfile\nrun:\n  clock: { command: ./c, image: clock }\n', /run\.clock\.image names image "clock", which build\.docker does not build \(it builds: web\)/],
    ['build:\n  docker:\n    release: Dockerfile\n', /build\.docker: "release" is not a valid process type/],
    ['build:\n  docker:\n    "we b": Dockerfile\n', /"we b" is not a valid process type/],
    ['build:\n  docker:\n    web: Dockerfile\n  config:\n    "1BAD": x\n', /build\.config: "1BAD" is not a valid variable name/],
    ['build:\n  docker:\n    web: Dockerfile\n  config:\n    A: { b: 1 }\n', /build\.config\.A must be a string/],
    ['build:\n  docker:\n    web: Dockerfile\nrelease:\n  image: web\n', /release\.command must be a non-empty command/],
    ['build:\n  docker:\n    web: Dockerfile\nrelease:\n  command: [./m]\n  image: worker\n', /release\.image names image "worker", which build\.docker does not build \(it builds: web\)/],
    ['build:\n  docker:\n    web: Dockerfile\nrun:\n  web: ""\n', /run\.web must be a non-empty command/],
    ['build:\n  docker:\n    web: Dockerfile\nrun:\n  release: ./x\n', /run: "release" is not a valid process type/],
  ])('refuses %j clearly', (text, message) => {
    expect(() => parseHerokuManifest(text)).toThrow(expect.objectContaining({ code: 'PLT_BUILD_FAILED', message: expect.stringMatching(message) }));
  });
});
