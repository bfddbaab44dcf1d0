// The release phase, in the new worker image (heroku.yml release.image).
console.log(`tide tables migrated in the ${process.env.IMAGE_ROLE} image at ${process.cwd()}`);
