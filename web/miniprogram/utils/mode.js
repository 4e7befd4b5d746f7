// 长辈模式 (large text, large buttons, high contrast): the citizen's choice,
// remembered in the mini-program's storage and shared by its pages.
'use strict'

const KEY = 'govchat.mode'

// isElder reports whether 长辈模式 is on (the stored choice, else the
// mini-program's default from config.js: elderByDefault).
function isElder (wxAPI, byDefault) {
  let v = ''
  try { v = wxAPI.getStorageSync(KEY) } catch (e) { v = '' }
  if (v === 'elder') return true
  if (v === 'standard') return false
  return !!byDefault
}

// setElder stores the choice.
function setElder (wxAPI, on) {
  try { wxAPI.setStorageSync(KEY, on ? 'elder' : 'standard') } catch (e) { /* storage full: the choice lasts this visit */ }
}

module.exports = { KEY, isElder, setElder }
