export const message: string = 'compiled in postinstall, first edition';
