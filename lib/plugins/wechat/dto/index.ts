export * from './wechat-miniprogram-action.dto';
