export * from './wechat-options.interface';
